"""Offline task generation: real failing tests, reversible bugs, stable splits."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentrl.environments.swe.generate import (
    assign_split,
    generated_instances,
    parse_summary,
    write_issue,
)
from agentrl.environments.swe.mutate import Mutation, apply_mutation
from agentrl.environments.swe.repo import list_projects, project_files, unified_diff


def test_shipped_projects_and_their_files() -> None:
    assert list_projects() == ["intervals", "statkit", "textkit"]
    files = project_files("statkit")
    assert "__init__.py" not in files  # the packaging marker stays out of the repo
    assert {"statkit/center.py", "tests/test_center.py"} <= set(files)
    with pytest.raises(ValueError, match="projects: intervals, statkit, textkit"):
        project_files("nope")


def test_splits_are_deterministic_and_roughly_60_20_20() -> None:
    splits = [assign_split(f"p__bug-{i:04d}") for i in range(1000)]
    assert splits == [assign_split(f"p__bug-{i:04d}") for i in range(1000)]
    assert 550 < splits.count("train") < 650 and 150 < splits.count("heldout") < 250


def test_summary_parsing_keeps_failure_messages() -> None:
    statuses, messages = parse_summary(
        "PASSED tests/t.py::test_a\nFAILED tests/t.py::test_b - assert 3 == 2.5\n"
    )
    assert statuses == {"tests/t.py::test_a": "PASSED", "tests/t.py::test_b": "FAILED"}
    assert messages == {"tests/t.py::test_b": "assert 3 == 2.5"}


def test_issue_quotes_the_failing_test_and_its_error() -> None:
    files = project_files("statkit")
    issue = write_issue(
        "statkit",
        files,
        ["tests/test_center.py::test_median_even", "tests/test_center.py::test_mean"],
        {"tests/test_center.py::test_median_even": "assert 3 == 2.5"},
    )
    assert issue.splitlines()[0] == "statkit: `median even` is broken"
    assert "def test_median_even():\n    assert median([4, 1, 3, 2]) == 2.5" in issue
    assert "Error: `assert 3 == 2.5`" in issue and "1 other test(s) fail" in issue


@pytest.mark.slow
def test_generated_instances_are_real_bugs_with_gold_patches(swe_cache: Path) -> None:
    instances = generated_instances(max_tasks_per_project=1)
    assert len(instances) == 3
    assert list(swe_cache.glob("swe/generated-*.jsonl"))  # cached for the next call
    for instance in instances:
        files = project_files(instance["project"])
        mutation = Mutation(**instance["mutation"])
        buggy = dict(files, **{mutation.file: apply_mutation(files[mutation.file], mutation)})
        assert instance["patch"] == unified_diff(buggy, files)
        assert not set(instance["FAIL_TO_PASS"]) & set(instance["PASS_TO_PASS"])
        assert instance["split"] == assign_split(instance["instance_id"])
    assert generated_instances(max_tasks_per_project=1) == instances
