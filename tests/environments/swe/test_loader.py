"""SWE-bench style JSONL instances with a user's checkout: loading, solving, scoring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentrl.environments.swe.env import SweEnv
from agentrl.environments.swe.loader import instance_to_task, load_instances, normalise_instance
from agentrl.environments.swe.oracle import oracle_actions


def test_loads_json_string_test_lists_and_finds_the_checkout(fixture_jsonl: Path) -> None:
    (instance,) = load_instances(fixture_jsonl)
    assert instance["FAIL_TO_PASS"] == ["tests/test_ops.py::test_divide_is_true_division"]
    assert instance["PASS_TO_PASS"] == ["tests/test_ops.py::test_add"]
    assert instance["repo_dir"].endswith("repos/demo__calc-1")
    task = instance_to_task(instance)
    assert (task.id, task.split, task.env_id) == ("demo__calc-1", "train", "swe")
    assert task.instruction.startswith("divide() rounds down")
    assert type(task).model_validate_json(task.model_dump_json()) == task


def test_missing_fields_and_checkouts_are_named(fixture_jsonl: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lacks field.*PASS_TO_PASS"):
        normalise_instance(
            {"instance_id": "x", "repo": "a/b", "problem_statement": "p", "FAIL_TO_PASS": []}
        )
    with pytest.raises(ValueError, match="FAIL_TO_PASS is not a JSON list"):
        normalise_instance(
            {
                "instance_id": "x",
                "repo": "a/b",
                "problem_statement": "p",
                "FAIL_TO_PASS": "[oops",
                "PASS_TO_PASS": [],
            }
        )
    with pytest.raises(FileNotFoundError, match="check out demo/calc"):
        load_instances(fixture_jsonl, repos_dir=tmp_path)


@pytest.mark.slow
def test_gold_patch_resolves_and_the_buggy_checkout_does_not(fixture_jsonl: Path) -> None:
    env = SweEnv(data_path=str(fixture_jsonl), max_turns=5)
    try:
        (task,) = env.tasks("train")
        env.reset(task)
        results = [env.step(action) for action in oracle_actions(task)]
        assert results[0].info["action_valid"], results[0].observation.text
        assert results[-1].info["success"] and results[-1].info["outcome_reward"] == 1.0
        env.reset(task)
        unchanged = env.step("bash: echo '# note' >> README.txt")
        assert unchanged.info["action_valid"]
        submit = env.step("submit")
        assert submit.info["outcome_level"] == "tests_fail"
        assert submit.info["failed_tests"] == ["tests/test_ops.py::test_divide_is_true_division"]
    finally:
        env.close()


def test_fixture_is_in_swebench_format(fixture_jsonl: Path) -> None:
    raw = json.loads(fixture_jsonl.read_text().splitlines()[0])
    for field in (
        "instance_id",
        "repo",
        "base_commit",
        "patch",
        "test_patch",
        "problem_statement",
        "FAIL_TO_PASS",
        "PASS_TO_PASS",
    ):
        assert field in raw
    assert isinstance(raw["FAIL_TO_PASS"], str)  # JSON-encoded, as in the HF dataset
