"""tools/search-qa: generated KB, BM25 retrieval, multi-hop questions, splits, oracle."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("bm25s")

import agentrl  # noqa: E402
from agentrl.core.check_env import check_env  # noqa: E402
from agentrl.environments.search_qa.kb import generate_kb, load_kb  # noqa: E402
from agentrl.environments.search_qa.oracle import oracle_replies  # noqa: E402
from agentrl.environments.search_qa.questions import generate_questions  # noqa: E402
from agentrl.environments.search_qa.retriever import BM25Retriever  # noqa: E402


@pytest.fixture(autouse=True)
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTRL_CACHE", str(tmp_path))


@pytest.fixture(scope="module")
def kb():
    return generate_kb(seed=0, scale=1)


def test_kb_is_deterministic_and_cached(kb, tmp_path):
    assert generate_kb(seed=0, scale=1).to_json() == kb.to_json()
    assert generate_kb(seed=1, scale=1).to_json() != kb.to_json()
    assert load_kb(0, 1).to_json() == kb.to_json()
    assert (tmp_path / "search_qa" / "kb-seed0-scale1.json").exists()
    kinds = [entity.kind for entity in kb.entities.values()]
    assert [kinds.count(k) for k in ("country", "city", "person", "company", "invention")] == [
        5, 20, 40, 20, 20,
    ]  # fmt: skip
    assert len({doc.id for doc in kb.documents}) == len(kb.documents) == 105


def test_two_hop_question_needs_two_documents(kb):
    task = next(
        t
        for t in generate_questions(kb)
        if t.instruction.startswith("In which city was the founder")
    )
    company = kb.entity(task.metadata["subject"])
    founder = kb.entity(str(company.attributes["founder"]))
    city = kb.entity(str(founder.attributes["born_in"]))
    assert task.instruction == f"In which city was the founder of {company.name} born?"
    assert task.ground_truth == city.name
    assert task.metadata["lookups"] == [company.id, founder.id]
    company_doc = next(d for d in kb.documents if d.id == company.id)
    assert founder.name in company_doc.text and city.name not in company_doc.text


def test_splits_are_by_subject_entity(kb):
    tasks = generate_questions(kb)
    split_of: dict[str, set[str]] = {}
    for task in tasks:
        split_of.setdefault(task.metadata["subject"], set()).add(task.split)
    assert all(len(splits) == 1 for splits in split_of.values())
    assert {t.split for t in tasks} == {"train", "valid", "heldout"}
    assert len({t.id for t in tasks}) == len(tasks)


def test_bm25_ranks_the_named_entity_first(kb):
    retriever = BM25Retriever(kb.documents)
    person = next(e for e in kb.entities.values() if e.kind == "person")
    hits = retriever.search(person.name)
    assert hits[0][0].id == person.id
    assert retriever.search("zzzz qqqq") == []


def test_oracle_solves_every_task_with_real_retrieval():
    env = agentrl.make("tools/search-qa", scale=1)
    for split in ("train", "valid", "heldout"):
        for task in env.tasks(split):
            env.reset(task)
            for reply in oracle_replies(task):
                result = env.step(reply)
            assert result.info["success"], task.id
            assert result.info["reward_components"] == {"exact_match": 1.0, "f1": 1.0}
    env.close()


def test_demonstration_replays_the_oracle_and_is_none_for_tasks_without_a_chain():
    env = agentrl.make("tools/search-qa", scale=1)
    task = env.tasks("train")[0]
    actions = env.demonstration(task)
    assert actions == oracle_replies(task)
    env.reset(task)
    results = [env.step(action) for action in actions]
    assert results[-1].terminated and results[-1].info["success"]
    loaded = task.model_copy(update={"metadata": {}})  # as from a real QA dataset
    assert env.demonstration(loaded) is None
    env.close()


def test_search_then_open_observations(kb):
    env = agentrl.make("tools/search-qa", scale=1, max_hops=1)
    task = env.tasks("valid")[0]
    assert task.ground_truth and task.metadata["hops"] == 1
    env.reset(task)
    doc_id = task.metadata["lookups"][0]
    search = env.step(oracle_replies(task)[0]).observation.text
    assert search.splitlines()[0].startswith(f"[{doc_id}] ")
    opened = env.step(oracle_replies(task)[1]).observation.text
    assert task.ground_truth in opened
    wrong = env.step('<tool_call>{"name": "open", "arguments": {"doc_id": "nope"}}</tool_call>')
    assert (
        wrong.observation.text == "No document with id 'nope'; use an id from the search results."
    )
    partial = env.step(f"<answer>{task.ground_truth} and more words</answer>")
    assert partial.reward == 0.0 and 0.0 < partial.info["reward_components"]["f1"] < 1.0


def test_check_env_passes():
    report = check_env(agentrl.make("tools/search-qa", scale=1))
    assert report.ok, str(report)


def test_real_data_loader(tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(
        json.dumps({"id": "1", "contents": '"Quorsa"\nQuorsa is the capital of Ostrania.'}) + "\n"
        + json.dumps({"id": "2", "title": "Brelvik", "text": "Brelvik is a port."}) + "\n"
    )  # fmt: skip
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"id": "a", "question": "Capital of Ostrania?", "golden_answers": ["Quorsa"],
                    "split": "train"}) + "\n"
    )  # fmt: skip
    env = agentrl.make("tools/search-qa", corpus=corpus, questions=questions)
    task = env.tasks("train")[0]
    env.reset(task)
    text = env.step('<tool_call>{"name": "search", "arguments": {"query": "capital Ostrania"}}'
                    "</tool_call>").observation.text  # fmt: skip
    assert text == "[1] Quorsa: Quorsa is the capital of Ostrania."
    assert env.step("<answer>quorsa</answer>").info["success"]
