"""``trainer.mode: async`` with ``policy.backend: vllm`` on CPU (the vllm-cpu build): the engine
samples batch i + 1 with version i's weights while the trainer makes update i + 1, each turn
stamped with the version the engine held; one engine start (~1 min on 2 cores)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("vllm")
pytestmark = pytest.mark.slow

RECIPE = Path(__file__).resolve().parents[2] / "recipes" / "textworld-grpo-vllm-cpu.yaml"
# the weights must move for a stale engine to show (the tiny model never wins: GRPO's
# advantages are 0, so an entropy bonus moves them)
MOVING = ["optim.lr=0.02", "algorithm.entropy=plain", "algorithm.entropy_options={coef: 1.0}"]


def test_async_vllm_run_trains_on_batches_one_version_old(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "agentrl", "train", str(RECIPE),
               f"logging.run_dir={tmp_path}", "logging.progress=false", *MOVING,
               "trainer.mode=async", "trainer.max_staleness=1", "trainer.iterations=3",
               "algorithm.rollout_correction=decoupled"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600,
                          start_new_session=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    run = tmp_path / "textworld-grpo-vllm-cpu"
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["iteration"] for row in rows] == [0, 1, 2, 3]
    # batches 0 and 1 start together on version 0 (batch 1's first turn is sampled long
    # before update 0, which waits for all of batch 0); batch 2 waits for version 1
    assert [row["async/staleness_max"] for row in rows[:2]] == [0.0, 1.0]
    assert rows[2]["async/staleness_max"] <= 1.0
    # the engine held the trainer's weights for the fresh batch, older ones after
    fresh, stale = rows[0], rows[1]
    assert fresh["train/rollout_logprob_diff_mean"] < 0.01
    assert stale["train/rollout_logprob_diff_mean"] > 10 * fresh["train/rollout_logprob_diff_mean"]
    episodes = [json.loads(line) for line in (run / "rollouts.jsonl").read_text().splitlines()]
    assert {turn["policy_version"] for e in episodes if e["group_id"].startswith("it2/")
            for turn in e["turns"]} <= {1, 2}
