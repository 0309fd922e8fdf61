"""Rollout diagnostics and the metrics log of a run."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.eval.metrics_file import read_metrics
from agentrl.run.metrics import MetricsLogger, rollout_metrics


def _trajectory(group: str, reward: float, turns: int, *, errored: bool = False,
                invalid: int = 0) -> Trajectory:
    return Trajectory(
        task=Task(id=group, env_id="toy"), group_id=group, outcome_reward=reward,
        success=reward == 1.0, errored=errored,
        turns=[Turn(observation=Observation(text="", state_key="s"), action_ids=[1, 2],
                    info={"action_valid": i >= invalid}) for i in range(turns)],
    )


def test_rollout_metrics_by_hand() -> None:
    metrics = rollout_metrics([
        _trajectory("g1", 1.0, 2, invalid=1),
        _trajectory("g1", 0.0, 4),
        _trajectory("g2", 1.0, 1),
        _trajectory("g2", 1.0, 3),
        _trajectory("g2", 0.0, 5, errored=True),
    ])
    assert metrics["rollout/episodes"] == 5.0
    assert metrics["rollout/error_rate"] == pytest.approx(0.2)
    assert metrics["rollout/success"] == 0.75  # 3 of the 4 valid episodes
    assert metrics["rollout/episode_len"] == 2.5  # (2 + 4 + 1 + 3) / 4
    assert metrics["rollout/invalid_action_rate"] == 0.1  # 1 of 10 valid turns
    assert metrics["rollout/response_tokens"] == 2.0
    # g1 rewards {1, 0}: population std 0.5; g2 (errored left out) {1, 1}: 0.
    assert metrics["rollout/reward_std_in_group"] == 0.25
    assert metrics["rollout/zero_spread_groups"] == 0.5


def test_metrics_log_keeps_the_last_value_per_iteration(tmp_path: Path) -> None:
    logger = MetricsLogger(tmp_path, tensorboard=False, wandb=False, config={})
    logger.log(0, {"loss/policy": 1.0, "bad": float("nan")})
    logger.log(1, {"loss/policy": 2.0})
    logger.log(1, {"loss/policy": 3.0, "eval/success": 0.5})  # a resumed run repeats one
    logger.close()
    assert read_metrics(tmp_path) == [
        {"iteration": 0, "loss/policy": 1.0},
        {"iteration": 1, "loss/policy": 3.0, "eval/success": 0.5},
    ]


def test_a_torn_metrics_line_is_skipped_with_a_warning(tmp_path: Path) -> None:
    logger = MetricsLogger(tmp_path, tensorboard=False, wandb=False, config={})
    logger.log(0, {"loss/policy": 1.0})
    logger.close()
    with (tmp_path / "metrics.jsonl").open("a") as file:
        file.write('{"iteration": 1, "loss/pol')  # what a kill or a full disk leaves
    with pytest.warns(UserWarning, match=r"metrics.jsonl: line 2 skipped"):
        assert read_metrics(tmp_path) == [{"iteration": 0, "loss/policy": 1.0}]


def test_a_logger_opened_on_a_resumed_run_rebuilds_tensorboard_from_its_lines(
        tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    (tmp_path / "metrics.jsonl").write_text(
        '{"iteration": 0, "loss/policy": 1.5}\n{"iteration": 1, "loss/policy": 2.5}\n')
    logger = MetricsLogger(tmp_path, tensorboard=True, wandb=False, config={})
    logger.log(2, {"loss/policy": 3.5})
    logger.close()
    events = EventAccumulator(str(tmp_path / "tensorboard"))
    events.Reload()
    assert [(e.step, e.value) for e in events.Scalars("loss/policy")] == [
        (0, 1.5), (1, 2.5), (2, 3.5)]


def test_report_and_viewer_read_a_run_with_a_torn_metrics_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from agentrl.cli import app
    from agentrl.eval.viewer import RunData

    (tmp_path / "metrics.jsonl").write_text(
        '{"iteration": 0, "rollout/success": 0.25}\n{"iteration": 1, "rollout/succ\x00')
    with pytest.warns(UserWarning, match="line 2 skipped"):
        result = CliRunner().invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "| 0 | 0.25 |" in (tmp_path / "report.md").read_text()
    page = RunData(tmp_path).run()  # the viewer shows the warning among its notes
    assert page["metrics"] == [{"iteration": 0, "rollout/success": 0.25}]
    assert any("line 2 skipped" in note for note in page["notes"])
