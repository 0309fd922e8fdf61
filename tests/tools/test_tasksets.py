"""Task sets from JSONL files, `datasets` files and records, with stable splits."""

from __future__ import annotations

import json

import pytest

from agentrl.tools.tasksets import assign_split, load_dataset_tasks, load_jsonl, resolve_tasks

RECORDS = [
    {"id": "q1", "question": "2+2?", "answer": "4", "split": "valid"},
    {"id": "q2", "question": "Capital?", "answer": ["Quorsa", "Quorsa City"], "level": 2},
    {"id": "q3", "env_id": "e", "instruction": "Do it.", "split": "heldout"},
]


def _write(tmp_path, records):
    path = tmp_path / "tasks.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n\n")
    return path


def test_load_jsonl_records_and_task_dicts(tmp_path):
    tasks = load_jsonl(_write(tmp_path, RECORDS), env_id="tools/custom")
    assert [t.id for t in tasks] == ["q1", "q2", "q3"]
    assert (tasks[0].instruction, tasks[0].ground_truth, tasks[0].split) == ("2+2?", "4", "valid")
    assert tasks[1].ground_truth == "Quorsa"
    assert tasks[1].metadata == {"level": 2, "aliases": ["Quorsa City"]}
    assert tasks[1].split == assign_split("q2")
    assert (tasks[2].env_id, tasks[2].split) == ("e", "heldout")


def test_bad_line_names_file_and_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"question": "a"}\nnot json\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2: not valid JSON"):
        load_jsonl(path)


def test_missing_question_key_says_which_keys_exist():
    with pytest.raises(ValueError, match=r"record 0 has neither 'instruction' nor 'question'"):
        resolve_tasks([{"prompt": "x"}], env_id="e")


def test_assign_split_is_stable_and_follows_fractions():
    splits = [assign_split(f"id-{i}") for i in range(2000)]
    assert splits == [assign_split(f"id-{i}") for i in range(2000)]
    assert 0.75 < splits.count("train") / 2000 < 0.85
    assert assign_split("x", {"only": 1.0}) == "only"


def test_load_with_datasets_from_json_and_saved_dir(tmp_path):
    datasets = pytest.importorskip("datasets")
    path = tmp_path / "data.jsonl"
    rows = [
        {"id": "q1", "question": "2+2?", "answer": "4"},
        {"id": "q2", "question": "C?", "answer": "Q"},
    ]
    path.write_text("\n".join(json.dumps(row) for row in rows))
    tasks = load_dataset_tasks(path, env_id="tools/custom")
    assert [(t.id, t.ground_truth) for t in tasks] == [("q1", "4"), ("q2", "Q")]
    saved = tmp_path / "saved"
    datasets.Dataset.from_list([{"id": "a", "question": "Q", "answer": "A"}]).save_to_disk(saved)
    assert [t.ground_truth for t in load_dataset_tasks(saved)] == ["A"]


def test_resolve_split_mapping_overrides_split(tmp_path):
    tasks = load_jsonl(_write(tmp_path, RECORDS[:1]))
    resolved = resolve_tasks({"train": tasks}, env_id="e")
    assert resolved[0].split == "train"
