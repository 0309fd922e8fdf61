"""Answer rewards: SQuAD normalisation, exact match, F1, judge, the name registry."""

from __future__ import annotations

import pytest

from agentrl.core.registry_base import UnknownNameError
from agentrl.core.types import Task
from agentrl.tools.rewards import exact_match, f1, get_reward, judge, normalize_answer


def _task(truth: str | None, aliases: list[str] | None = None) -> Task:
    metadata = {"aliases": aliases} if aliases else {}
    return Task(id="t", env_id="x", instruction="Q?", ground_truth=truth, metadata=metadata)


def test_normalize_answer_squad_rules():
    assert normalize_answer("  The  Zorvex-Labs, Inc.! ") == "zorvexlabs inc"
    assert normalize_answer("an Apple a day") == "apple day"


def test_exact_match_uses_aliases():
    task = _task("New Brelvik", aliases=["Brelvik City"])
    assert exact_match(task, "the new brelvik.", {}) == 1.0
    assert exact_match(task, "Brelvik city", {}) == 1.0
    assert exact_match(task, "Brelvik", {}) == 0.0


def test_f1_hand_computed():
    # prediction tokens: [new, brelvik, harbour]; truth: [new, brelvik]
    # overlap 2, precision 2/3, recall 1 -> F1 = 2 * (2/3) / (2/3 + 1) = 0.8
    assert f1(_task("New Brelvik"), "new Brelvik harbour", {}) == pytest.approx(0.8)
    assert f1(_task("New Brelvik"), "Quorsa", {}) == 0.0


def test_missing_ground_truth_is_a_clear_error():
    with pytest.raises(ValueError, match="has no ground_truth"):
        exact_match(_task(None), "x", {})


def test_judge_wraps_a_callable_and_clips():
    seen = []

    def grader(question: str, answer: str, truth: str | None) -> float:
        seen.append((question, answer, truth))
        return 3.0 if answer == truth else False

    reward = judge(grader)
    assert reward(_task("4"), "4", {}) == 1.0
    assert reward(_task("4"), "5", {}) == 0.0
    assert seen == [("Q?", "4", "4"), ("Q?", "5", "4")]


def test_registry_by_name_lists_names_on_error():
    assert get_reward("f1") is f1
    assert get_reward(exact_match) is exact_match
    with pytest.raises(UnknownNameError, match="reward 'f2' is not registered; registered: .*f1"):
        get_reward("f2")
