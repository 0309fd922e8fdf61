"""kill -9 at every stage of an iteration, then the same command again: the run's files
hold each episode and each iteration exactly once, equal to an uninterrupted run's.

Real processes: `agentrl train` kills itself at a named `agentrl.run.killpoints` point
(``AGENTRL_KILL_AT``), SIGKILL, nothing flushed or cleaned up.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import pytest
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.run.conftest import agentrl, jsonl_rows, toy_run_recipe, write_recipe

# (kill point, what the killed process had reached), in the order one run meets them.
# iterations=3, checkpoint_every=2: checkpoints after iteration index 1 and at the end (3).
KILLS = (
    ("writer:3", "iteration 0: 3 of its 4 episodes written, no checkpoint yet"),
    ("update:1", "iteration 0: rolled out, killed in the update"),
    ("metrics:1", "iteration 0: metrics and samples lines written, no checkpoint (every 2)"),
    ("checkpoint.trainer:1", "the first checkpoint half written"),
    ("checkpoint.renamed:1", "the first checkpoint renamed into place, `latest` not yet"),
    ("checkpointed:1", "checkpoint 2 current, nothing after it"),
    ("writer:2", "resumed at 2: iteration 2 half rolled out"),
    ("metrics:1", "iteration 2 logged, before the final checkpoint"),
    ("checkpoint.model:1", "the final checkpoint's weights written, nothing else"),
    ("eval:1", "the final eval's eval.json written, its metrics line not"),
)


def run_files(run: Path) -> dict[str, Any]:
    """Everything a run wrote that must repeat exactly (wall-clock fields aside)."""
    events = EventAccumulator(str(run / "tensorboard"))
    events.Reload()
    return {
        "rollouts": sorted(json.dumps(r, sort_keys=True)
                           for r in jsonl_rows(run / "rollouts.jsonl")),
        "metrics": jsonl_rows(run / "metrics.jsonl"),
        "samples": jsonl_rows(run / "samples.jsonl"),
        "tensorboard": {tag: [(e.step, e.value) for e in events.Scalars(tag)]
                        for tag in events.Tags()["scalars"] if not tag.startswith("perf/")},
        "eval": json.loads((run / "eval.json").read_text()),
        "eval_trajectories": jsonl_rows(run / "eval_trajectories.jsonl"),
        "latest": (run / "checkpoints" / "latest").read_text(),
    }


@pytest.mark.slow
def test_a_run_killed_at_every_stage_ends_as_an_uninterrupted_run(tmp_path: Path) -> None:
    straight = write_recipe(tmp_path / "straight.yaml", toy_run_recipe(tmp_path / "straight"))
    done = agentrl("train", str(straight))
    assert done.returncode == 0, done.stderr
    expected = run_files(tmp_path / "straight" / "toy")
    assert [row["iteration"] for row in expected["metrics"]] == [0, 1, 2, 3]
    assert len(expected["rollouts"]) == 3 * 2 * 2 and len(expected["samples"]) == 3 * 2
    entropy = [row["train/entropy"] for row in expected["metrics"][:3]]
    assert len(set(entropy)) == 3  # each update moved the policy: a lost state would show

    killed = write_recipe(tmp_path / "killed.yaml", toy_run_recipe(tmp_path / "killed"))
    run = tmp_path / "killed" / "toy"
    for point, reached in KILLS:
        result = agentrl("train", str(killed), kill_at=point)
        assert result.returncode == -signal.SIGKILL, (point, reached, result.stderr[-2000:])
    finished = agentrl("train", str(killed))
    assert finished.returncode == 0, finished.stderr
    assert "resuming" in finished.stdout and "from iteration 3" in finished.stdout
    assert run_files(run) == expected

    again = agentrl("train", str(killed))  # a finished run, run again: its eval once
    assert again.returncode == 0, again.stderr
    assert run_files(run) == expected
