"""``tools/search-qa``: answer multi-hop questions about fictional entities with search tools.

The agent gets ``search(query)`` and ``open(doc_id)`` over a BM25 index of a generated,
offline knowledge base (`kb`), and answers with ``final_answer`` or ``<answer>``. Reward:
exact match (the outcome), F1 in ``reward_components``. ``Task.ground_truth`` is set, so
IGPO's information-gain turn rewards work here (the IGPO paper's setting). Point
``corpus=`` and ``questions=`` at JSONL files to run on a real QA dataset instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentrl.core.types import Task
from agentrl.environments.search_qa.kb import load_kb
from agentrl.environments.search_qa.oracle import oracle_replies
from agentrl.environments.search_qa.questions import ENV_ID, generate_questions
from agentrl.environments.search_qa.real_data import load_corpus, load_questions
from agentrl.environments.search_qa.retriever import shared_retriever
from agentrl.environments.search_qa.reward import COMPONENTS, OUTCOME_REWARD
from agentrl.tools.toolenv import ToolEnv

DESCRIPTION = (
    "Answer the question using the knowledge base. search(query) lists matching documents "
    "as [doc_id] Title: first sentence; open(doc_id) shows a whole document. Questions may "
    "need several look-ups. Call tools with "
    '<tool_call>{"name": "search", "arguments": {"query": "..."}}</tool_call> and give the '
    "final answer, as short as possible, with <answer>...</answer>."
)


class SearchQAEnv(ToolEnv):
    """Multi-hop QA over a generated knowledge base (or a real corpus) with BM25 search.

    Args:
        seed: Knowledge-base seed (names, links, questions all follow from it).
        scale: Entity-count multiplier (scale 2: ~210 documents, ~440 questions).
        max_hops: Keep questions of at most this many hops (1 to 3).
        top_k: Documents ``search`` returns.
        max_turns: Turn limit.
        corpus: A JSONL corpus to search instead of the generated one (`real_data`).
        questions: A JSONL question file, required with ``corpus``.
        options: Further `ToolEnv` options (``max_result_chars``, ``reward``, ...).
    """

    def __init__(
        self,
        seed: int = 0,
        scale: int = 2,
        max_hops: int = 3,
        top_k: int = 3,
        max_turns: int = 12,
        corpus: str | Path | None = None,
        questions: str | Path | None = None,
        **options: Any,
    ) -> None:
        self._search_qa_config = {
            "seed": seed, "scale": scale, "max_hops": max_hops, "top_k": top_k,
            "max_turns": max_turns, "corpus": corpus, "questions": questions, **options,
        }  # fmt: skip
        if corpus is not None:
            if questions is None:
                raise ValueError("tools/search-qa: corpus= needs questions= (a JSONL file)")
            documents, tasks = load_corpus(corpus), load_questions(questions)
        else:
            kb = load_kb(seed, scale)
            documents = kb.documents
            tasks = generate_questions(kb, keep=lambda template: len(template.path) <= max_hops)
        retriever = shared_retriever(documents)
        options.setdefault("reward", OUTCOME_REWARD)
        options.setdefault("components", COMPONENTS)
        options.setdefault("description", DESCRIPTION)
        super().__init__(
            tools=retriever.tools(top_k),
            tasks=tasks,
            max_turns=max_turns,
            env_id=ENV_ID,
            **options,
        )
        self.retriever = retriever

    def demonstration(self, task: Task) -> list[str] | None:
        """Search and open each entity on the question's chain, then answer (generated
        questions only: a loaded dataset does not say which documents to look up)."""
        if task.ground_truth is None or "lookups" not in task.metadata:
            return None
        return oracle_replies(task)

    def copy(self, **overrides: Any) -> SearchQAEnv:
        """A fresh search-QA env with the same options (``overrides`` replace some)."""
        return SearchQAEnv(**{**self._search_qa_config, **overrides})
