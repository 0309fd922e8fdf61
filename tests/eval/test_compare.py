"""Paired comparison: McNemar's test, the paired bootstrap and pairing by task id, against
hand-computed values; and the `agentrl compare` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentrl.cli import app
from agentrl.core.types import Task, Trajectory
from agentrl.eval.compare import (
    CompareError,
    compare_results,
    mcnemar,
    paired_bootstrap,
)
from agentrl.eval.evaluate import summarise


def test_mcnemar_exact_by_hand() -> None:
    # b = 1, c = 5, n = 6: 2 · (C(6,0) + C(6,1)) / 2⁶ = 2 · 7 / 64 = 0.21875
    assert mcnemar(1, 5) == (pytest.approx(0.21875), "exact binomial")
    # b = 0, c = 6: 2 / 64
    assert mcnemar(0, 6)[0] == pytest.approx(0.03125)
    assert mcnemar(3, 3)[0] == 1.0  # capped at 1
    assert mcnemar(0, 0) == (1.0, "exact binomial")


def test_mcnemar_chi_square_for_many_discordant_pairs() -> None:
    # b = 10, c = 20: χ² = (10 − 1)² / 30 = 2.7; p = erfc(√1.35) = 0.1003482
    p, method = mcnemar(10, 20)
    assert method.startswith("chi-square")
    assert p == pytest.approx(0.1003482, abs=1e-6)


def test_paired_bootstrap_of_a_constant_difference_is_that_constant() -> None:
    assert paired_bootstrap([0.5, 0.5, 0.5]) == (pytest.approx(0.5), pytest.approx(0.5))


def test_paired_bootstrap_of_two_tasks_by_hand() -> None:
    # d = [0, 1]: resampled means are 0, 0.5, 1 with probability ¼, ½, ¼, so the 2.5 % and
    # 97.5 % quantiles are 0 and 1
    assert paired_bootstrap([0.0, 1.0], seed=1) == (0.0, 1.0)
    assert paired_bootstrap([0.0, 1.0], seed=1) == paired_bootstrap([0.0, 1.0], seed=1)


def _result(outcomes: dict[str, list[bool]], categories: dict[str, str] | None = None):
    categories = categories or {}
    trajectories = [
        Trajectory(task=Task(id=task, env_id="toy", metadata=(
            {"category": categories[task]} if task in categories else {})), success=s)
        for task, episodes in outcomes.items() for s in episodes
    ]
    return summarise("heldout", trajectories)


def test_compare_pairs_by_task_id_and_splits_by_category() -> None:
    categories = {"t1": "x", "t2": "x", "t3": "y", "t4": "y"}
    a = _result({"t1": [True], "t2": [False], "t3": [False], "t4": [True], "t5": [True]},
                categories)
    b = _result({"t4": [True], "t3": [True], "t2": [True], "t1": [True], "t6": [False]},
                categories)
    comparison = compare_results(a, b, name_a="base", name_b="new")
    assert (comparison.tasks, comparison.pairs) == (4, 4)
    assert comparison.success_a == 0.5 and comparison.success_b == 1.0
    assert comparison.difference == 0.5
    assert (comparison.only_a, comparison.only_b) == (0, 2)
    assert comparison.p_value == pytest.approx(0.5)  # 2 · C(2,0) / 2² = 0.5
    assert comparison.only_in_a == ["t5"] and comparison.only_in_b == ["t6"]
    x = comparison.per_category["x"]
    assert (x.tasks, x.difference, x.only_b) == (2, 0.5, 1)
    assert x.p_value == 1.0  # 2 · 1 / 2 capped


def test_compare_pairs_episode_by_episode_within_a_task() -> None:
    a = _result({"t": [True, False, False]})
    b = _result({"t": [False, True, True]})
    comparison = compare_results(a, b)
    assert (comparison.pairs, comparison.only_a, comparison.only_b) == (3, 1, 2)
    assert comparison.difference == pytest.approx(1 / 3)
    assert comparison.ci_low == comparison.ci_high == pytest.approx(1 / 3)  # one task


def test_compare_without_common_tasks_says_so() -> None:
    with pytest.raises(CompareError, match="share no task: A has 1 tasks \\(a\\)"):
        compare_results(_result({"a": [True]}), _result({"b": [True]}))


def test_compare_command_reads_runs_and_eval_files(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    (tmp_path / "base" / "eval.json").write_text(
        _result({"t1": [False], "t2": [False]}).model_dump_json())
    (tmp_path / "new.json").write_text(_result({"t1": [True], "t2": [False]}).model_dump_json())
    out = tmp_path / "cmp.json"
    result = CliRunner().invoke(app, ["compare", str(tmp_path / "base"),
                                      str(tmp_path / "new.json"), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "+50.0%" in result.output and "exact binomial" in result.output
    assert json.loads(out.read_text())["only_b"] == 1
    missing = CliRunner().invoke(app, ["compare", str(tmp_path / "base"), str(tmp_path)])
    assert missing.exit_code == 2 and "no eval.json there" in missing.output
