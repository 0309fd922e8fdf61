"""Wilson intervals and eval summaries, checked against hand-computed values."""

from __future__ import annotations

import pytest

from agentrl.core.types import Task, Trajectory
from agentrl.eval.evaluate import summarise
from agentrl.eval.metrics import _z_score, mean_pass_at_k, pass_at_k, wilson_interval

# z = 1.959964 at 95 %; n = 10: z²/n = 0.3841459, so the denominator is 1.3841459.


def test_z_score_at_95_percent() -> None:
    assert _z_score(0.95) == pytest.approx(1.959964, abs=1e-6)


def test_wilson_zero_of_ten() -> None:
    # centre = half = (z²/2n) / denom = 0.1920729 / 1.3841459 = 0.1387665
    low, high = wilson_interval(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(0.277533, abs=1e-6)


def test_wilson_five_of_ten() -> None:
    # centre 0.5; half = z √(0.025 + z²/400) / denom = 0.364593 / 1.3841459 = 0.263406
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.236594, abs=1e-6)
    assert high == pytest.approx(0.763406, abs=1e-6)


def test_wilson_ten_of_ten() -> None:
    low, high = wilson_interval(10, 10)
    assert low == pytest.approx(0.722467, abs=1e-6)  # 1 − 0.277533
    assert high == 1.0


def test_wilson_with_no_trials_is_the_whole_range() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)


def _trajectory(task: str, success: bool, errored: bool = False, reward: float = 0.0,
                turns: int = 0) -> Trajectory:
    return Trajectory(task=Task(id=task, env_id="toy"), success=success, errored=errored,
                      outcome_reward=reward)


def test_summarise_counts_errored_episodes_as_failures() -> None:
    trajectories = [
        _trajectory("a", True, reward=1.0),
        _trajectory("a", False),
        _trajectory("b", True, errored=True, reward=1.0),  # success flag ignored: it errored
        _trajectory("b", False, errored=True),
    ]
    result = summarise("heldout", trajectories)
    assert result.episodes == 4
    assert result.successes == 1
    assert result.success_rate == 0.25
    assert result.errored == 2
    assert result.per_task == {"a": 0.5, "b": 0.0}
    assert result.mean_reward == 0.5
    assert (result.ci_low, result.ci_high) == wilson_interval(1, 4)


# -- pass@k (Chen et al. 2021, eq. 1), by hand --------------------------------------------


def test_pass_at_k_by_hand() -> None:
    assert pass_at_k(5, 2, 1) == pytest.approx(0.4)  # c / n
    assert pass_at_k(5, 2, 2) == pytest.approx(0.7)  # 1 − C(3,2)/C(5,2) = 1 − 3/10
    assert pass_at_k(5, 2, 3) == pytest.approx(0.9)  # 1 − C(3,3)/C(5,3) = 1 − 1/10
    assert pass_at_k(5, 2, 4) == 1.0  # n − c = 3 < 4: every draw of 4 holds a success
    assert pass_at_k(4, 0, 4) == 0.0
    assert pass_at_k(4, 1, 4) == 1.0


def test_pass_at_k_refuses_k_above_n() -> None:
    with pytest.raises(ValueError, match="needs 1 <= k <= n"):
        pass_at_k(2, 1, 4)


def test_mean_pass_at_k_averages_over_tasks() -> None:
    outcomes = {"a": [True, False, False, False], "b": [False] * 4}
    # a: 1 − C(3,2)/C(4,2) = 1 − 3/6 = 0.5; b: 0 → mean 0.25
    assert mean_pass_at_k(outcomes, 2) == pytest.approx(0.25)


def _categorised(task: str, category: str, success: bool, reward: float) -> Trajectory:
    return Trajectory(task=Task(id=task, env_id="toy", metadata={"category": category}),
                      success=success, outcome_reward=reward)


def test_summarise_gives_pass_at_k_and_per_category_tables() -> None:
    trajectories = [
        _categorised("a", "heat", True, 1.0), _categorised("a", "heat", False, 0.5),
        _categorised("b", "heat", False, 0.0), _categorised("b", "heat", False, 0.0),
        _categorised("c", "cool", True, 1.0), _categorised("c", "cool", True, 1.0),
    ]
    result = summarise("heldout", trajectories, pass_k=(1, 2))
    assert result.outcomes == {"a": [True, False], "b": [False, False], "c": [True, True]}
    # pass@1 = mean of c/n = (0.5 + 0 + 1) / 3; pass@2: a 1 − C(1,2)/C(2,2) = 1, b 0, c 1
    assert result.pass_at_k == {"1": pytest.approx(0.5), "2": pytest.approx(2 / 3)}
    assert result.mean_reward == pytest.approx(3.5 / 6)
    assert result.score == pytest.approx(350 / 6)
    assert result.task_category == {"a": "heat", "b": "heat", "c": "cool"}
    assert list(result.per_category) == ["cool", "heat"]
    heat = result.per_category["heat"]
    assert (heat.episodes, heat.successes, heat.success_rate) == (4, 1, 0.25)
    assert heat.pass_at_k == {"1": pytest.approx(0.25), "2": pytest.approx(0.5)}
    assert heat.score == pytest.approx(37.5)
    assert (heat.ci_low, heat.ci_high) == wilson_interval(1, 4)
    assert result.per_category["cool"].pass_at_k == {"1": 1.0, "2": 1.0}


def test_summarise_without_categories_has_an_empty_table() -> None:
    result = summarise("heldout", [_trajectory("a", True)])
    assert result.per_category == {} and result.task_category == {}
    assert result.pass_at_k == {"1": 1.0}


def test_eval_tables_show_every_category_row() -> None:
    from agentrl.eval.tables import eval_tables

    trajectories = [_categorised("a", "heat", True, 1.0), _categorised("b", "cool", False, 0.0)]
    lines = eval_tables(summarise("heldout", trajectories))
    assert lines[0].startswith("|  | episodes | success | 95 % CI | pass@1 | mean reward")
    assert lines[2].startswith("| **heldout** | 2 | 50.0% |")
    assert lines[3].startswith("| cool | 1 | 0.0% |") and lines[4].startswith("| heat | 1 | 100.0%")


def test_recipe_refuses_pass_at_k_above_the_episodes_per_task() -> None:
    from agentrl.run.recipe import RecipeError, load_recipe

    assert load_recipe({"eval": {"pass_k": [1, 4], "episodes_per_task": 4}}).eval.pass_k == [1, 4]
    with pytest.raises(RecipeError, match="eval.pass_k has 4: pass@k needs 1 <= k <= "
                                          "eval.episodes_per_task=2"):
        load_recipe({"eval": {"pass_k": [1, 4], "episodes_per_task": 2}})
