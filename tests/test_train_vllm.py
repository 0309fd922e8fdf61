"""`agentrl train` with ``policy.backend: vllm`` on CPU (the vllm-cpu build), end to end on
the shipped CPU recipe: it runs, checkpoints, resumes after kill -9 with the checkpoint's
weights in the engine, and evaluates. Two engine starts, ~1 min each on 2 cores."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from safetensors.torch import load_file

pytest.importorskip("vllm")
pytestmark = pytest.mark.slow

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "textworld-grpo-vllm-cpu.yaml"
# A synced engine agrees with the trainer to ~2e-6 per token (measured); a stale one (the
# start weights, after updates at this learning rate) by far more.
SYNCED = 1e-4
# The tiny random model never wins a game, so every GRPO advantage is 0: an entropy bonus
# makes each update move the weights, so that a stale engine would show.
MOVING = ["optim.lr=0.02", "algorithm.entropy=plain", "algorithm.entropy_options={coef: 1.0}",
          "policy.dtype=float32"]  # SYNCED is a float32 figure (bf16 differs by ~4e-3)


def test_vllm_run_checkpoints_resumes_after_kill_and_evaluates(tmp_path: Path) -> None:
    command = [sys.executable, "-m", "agentrl", "train", str(RECIPE),
               f"logging.run_dir={tmp_path}", "logging.progress=false", *MOVING]
    run = tmp_path / "textworld-grpo-vllm-cpu"
    latest = run / "checkpoints" / "latest"
    with (tmp_path / "first.log").open("w") as log:
        process = subprocess.Popen([*command, "trainer.iterations=40"], stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 400
        while not latest.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
        assert latest.exists(), (tmp_path / "first.log").read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        time.sleep(1)
        try:  # the engine's processes notice their parent died; never leave one behind
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    done = int(latest.read_text().removeprefix("iter-"))
    assert 1 <= done < 40
    finished = subprocess.run([*command, f"trainer.iterations={done + 1}"], capture_output=True,
                              text=True, timeout=500, start_new_session=True)
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert f"from iteration {done}" in finished.stdout
    assert "[vllm] engine ready" in finished.stdout
    assert latest.read_text() == f"iter-{done + 1:06d}"
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    trained = [row for row in rows if "train/rollout_logprob_diff_max" in row]
    resumed = trained[-1]
    assert resumed["iteration"] == done
    # the resumed engine samples from the checkpoint's (LoRA-merged) weights, not the start's
    assert resumed["train/rollout_logprob_diff_max"] < SYNCED
    assert all(row["train/rollout_logprob_diff_max"] < SYNCED for row in trained)
    assert all(row["perf/sync_s"] > 0 and "train/tis_weight" in row for row in trained)
    adapter = load_file(latest.parent / latest.read_text() / "model" / "adapter_model.safetensors")
    assert max(float(t.abs().max()) for k, t in adapter.items() if "lora_B" in k) > 1e-3
    result = json.loads((run / "eval.json").read_text())
    assert result["episodes"] == 2
