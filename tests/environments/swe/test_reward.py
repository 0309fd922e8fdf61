"""Outcome levels and G-RA step rewards, computed by hand."""

from __future__ import annotations

import pytest

from agentrl.environments.swe.reward import (
    is_resolved,
    outcome_level,
    outcome_reward,
    parse_pytest_summary,
    python_compiles,
    step_components,
)

SUMMARY = """..F
=========================== short test summary info ============================
PASSED tests/test_a.py::test_one
PASSED tests/test_a.py::test_two
FAILED tests/test_b.py::test_three - assert 1 == 2
ERROR tests/test_c.py::test_four - ImportError
1 failed, 2 passed, 1 error in 0.05s
"""


def test_summary_parsing() -> None:
    assert parse_pytest_summary(SUMMARY) == {
        "tests/test_a.py::test_one": "PASSED",
        "tests/test_a.py::test_two": "PASSED",
        "tests/test_b.py::test_three": "FAILED",
        "tests/test_c.py::test_four": "ERROR",
    }


def test_resolved_needs_every_listed_test_to_pass() -> None:
    statuses = parse_pytest_summary(SUMMARY)
    assert is_resolved(statuses, ["tests/test_a.py::test_one"], ["tests/test_a.py::test_two"])
    assert not is_resolved(statuses, ["tests/test_b.py::test_three"], [])
    assert not is_resolved(statuses, ["tests/test_a.py::test_one"], ["tests/missing.py::t"])
    assert not is_resolved(statuses, [], [])


def test_outcome_levels_and_rewards() -> None:
    assert outcome_level(False, "diff", True) == "no_submission"
    assert outcome_level(True, "  \n", False) == "empty_patch"
    assert outcome_level(True, "diff", False) == "tests_fail"
    assert outcome_level(True, "diff", True) == "tests_pass"
    assert [outcome_reward(level) for level in ("empty_patch", "tests_pass")] == [0.0, 1.0]
    levels = ("no_submission", "empty_patch", "tests_fail", "tests_pass")
    assert [outcome_reward(level, "level") for level in levels] == [0.0, 1 / 3, 2 / 3, 1.0]
    with pytest.raises(ValueError, match="modes: binary, level"):
        outcome_reward("tests_pass", "graded")


def test_step_components_only_count_on_an_applied_edit() -> None:
    assert step_components() == {"edit_applied": 0.0, "compiles": 0.0, "targeted_test_passes": 0.0}
    assert step_components(True, False, True) == {
        "edit_applied": 1.0,
        "compiles": 0.0,
        "targeted_test_passes": 0.0,
    }
    assert step_components(False, True, True)["compiles"] == 0.0
    assert sum(step_components(True, True, True).values()) == 3.0


def test_python_compiles() -> None:
    assert python_compiles("x = 1\n")
    assert not python_compiles("def f(:\n")
