"""kill -9 an async run at several points, then the same command again: no episode lost or
repeated. With k = 0 the run's files equal an uninterrupted run's exactly (as
tests/run/test_kill_resume.py asks of the sync loop); with k = 1 a batch's weights depend on
timing, so its episodes are compared by identity (group, member), each exactly once, and
the batches finished but untrained at a checkpoint come back from the checkpoint's buffer.

Real processes: `agentrl train` kills itself at a named `agentrl.run.killpoints` point.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest

from tests.run.conftest import agentrl, toy_run_recipe, write_recipe
from tests.run.test_kill_resume import run_files

KILLS_K0 = ("writer:3", "checkpointed:1")  # a batch half written; a checkpoint made
KILLS_K1 = ("checkpointed:1",)  # checkpoint 1 made, batch 1 (sampled by version 0) buffered


def _recipe(tmp_path: Path, name: str, k: int) -> Path:
    recipe = toy_run_recipe(tmp_path / name, mode="async", max_staleness=k)
    return write_recipe(tmp_path / f"{name}.yaml", recipe)


def _kill_then_finish(recipe: Path, kills: tuple[str, ...]) -> None:
    for point in kills:
        result = agentrl("train", str(recipe), kill_at=point)
        assert result.returncode == -signal.SIGKILL, (point, result.stderr[-2000:])
    finished = agentrl("train", str(recipe))
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "resuming" in finished.stdout


def _identities(run: Path) -> list[tuple[str, int]]:
    rows = [json.loads(line) for line in (run / "rollouts.jsonl").read_text().splitlines()]
    return sorted((row["group_id"], row["member"]) for row in rows)


@pytest.mark.slow
def test_a_killed_async_run_loses_and_repeats_no_episode(tmp_path: Path) -> None:
    straight = agentrl("train", str(_recipe(tmp_path, "straight", 0)))
    assert straight.returncode == 0, straight.stderr[-2000:]
    expected = run_files(tmp_path / "straight" / "toy")
    assert len(expected["rollouts"]) == 3 * 2 * 2

    _kill_then_finish(_recipe(tmp_path, "k0", 0), KILLS_K0)
    assert run_files(tmp_path / "k0" / "toy") == expected

    _kill_then_finish(_recipe(tmp_path, "k1", 1), KILLS_K1)
    run = tmp_path / "k1" / "toy"
    assert _identities(run) == _identities(tmp_path / "straight" / "toy")
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["iteration"] for row in metrics] == [0, 1, 2, 3]
    assert all(row["async/staleness_max"] <= 1 for row in metrics[:3])
