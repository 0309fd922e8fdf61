"""Wilson intervals and eval summaries, checked against hand-computed values."""

from __future__ import annotations

import pytest

from agentrl.core.types import Task, Trajectory
from agentrl.eval.evaluate import summarise
from agentrl.eval.metrics import _z_score, wilson_interval

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
