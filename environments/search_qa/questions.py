"""Questions over the generated knowledge base: 1-, 2- and 3-hop, with their answers.

Each template follows links from a *subject* entity (named in the question) to the answer;
a question of n hops needs n look-ups, because each document states only its own links.
Splits are by subject: a stable hash of the subject's id puts all of its questions in
train, valid or heldout, so heldout asks about entities never asked about in training
(they are still in the knowledge base, as in open-domain QA).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from agentrl.core.types import Task
from agentrl.environments.search_qa.kb import Entity, KnowledgeBase
from agentrl.tools.tasksets import assign_split

ENV_ID = "tools/search-qa"
FRACTIONS = {"train": 0.7, "valid": 0.15, "heldout": 0.15}


@dataclass(frozen=True)
class Template:
    """A question pattern: the subject kind, its text, and the link path to the answer.

    ``path`` names an attribute at each hop; the last hop's value is the answer (an entity,
    whose name is the answer, or a literal such as a year).
    """

    kind: str
    text: str
    path: tuple[str, ...]


TEMPLATES = (
    Template("person", "In which city was {name} born?", ("born_in",)),
    Template("company", "Who founded {name}?", ("founder",)),
    Template("invention", "Who invented the {name}?", ("inventor",)),
    Template("city", "In which country is {name}?", ("country",)),
    Template("company", "In which city was the founder of {name} born?", ("founder", "born_in")),
    Template("invention", "In which city was the inventor of the {name} born?",
             ("inventor", "born_in")),
    Template("invention", "Who founded the company that manufactures the {name}?",
             ("maker", "founder")),
    Template("company", "In which country is {name} headquartered?", ("headquarters", "country")),
    Template("company", "In what year was the founder of {name} born?",
             ("founder", "birth_year")),
    Template("company", "In which country was the founder of {name} born?",
             ("founder", "born_in", "country")),
)  # fmt: skip


def follow(kb: KnowledgeBase, subject: Entity, path: tuple[str, ...]) -> list[Entity | str]:
    """The chain of entities visited from ``subject`` along ``path``; the last may be a literal."""
    chain: list[Entity | str] = [subject]
    current = subject
    for attribute in path:
        value = str(current.attributes[attribute])
        if value in kb.entities and attribute not in ("birth_year", "year", "founded"):
            current = kb.entity(value)
            chain.append(current)
        else:
            chain.append(value)
    return chain


def make_question(kb: KnowledgeBase, subject: Entity, template: Template, number: int) -> Task:
    """The task asking ``template`` about ``subject``."""
    chain = follow(kb, subject, template.path)
    answer = chain[-1]
    # The documents the oracle reads: every entity in the chain except a final answer entity.
    lookups = [item.id for item in chain[:-1] if isinstance(item, Entity)]
    return Task(
        id=f"sqa-{kb.seed}-{subject.id}-{number}",
        env_id=ENV_ID,
        split=assign_split(subject.id, FRACTIONS),
        instruction=template.text.format(name=subject.name),
        ground_truth=answer.name if isinstance(answer, Entity) else answer,
        metadata={
            "hops": len(template.path),
            "subject": subject.id,
            "lookups": lookups,
            "lookup_names": [kb.entity(entity_id).name for entity_id in lookups],
        },
    )


def generate_questions(
    kb: KnowledgeBase, keep: Callable[[Template], bool] = lambda template: True
) -> list[Task]:
    """Every (subject, template) question of ``kb`` whose template ``keep`` accepts."""
    tasks = []
    for subject in kb.entities.values():
        for number, template in enumerate(TEMPLATES):
            if template.kind == subject.kind and keep(template):
                tasks.append(make_question(kb, subject, template, number))
    return tasks
