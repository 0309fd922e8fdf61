"""`agentrl train --nproc 2` end to end on the tiny model over gloo: a finished run's files,
resume after kill -9 of a rank (with another number of ranks), a hung rank named."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
import yaml

from agentrl.eval.metrics_file import read_metrics
from agentrl.rollout.writer import read_trajectories

TASKS, GROUP = 2, 2


def write_recipe(tmp_path: Path, **trainer: object) -> Path:
    """The toy/corridor recipe of tests/test_train.py, one torch thread per rank."""
    recipe = {
        "name": "toy", "seed": 3,
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama", "cpu_threads": 1},
        "rollout": {"group_size": GROUP, "lenient_parsing": True,
                    "sampling": {"max_new_tokens": 4}},
        "optim": {"lr": 1e-3, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"tasks_per_iteration": TASKS, **trainer},
        "eval": {"num_tasks": 2},
        "logging": {"run_dir": str(tmp_path), "tensorboard": False, "progress": False},
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    return path


def agentrl(*args: str) -> list[str]:
    return [sys.executable, "-c", "from agentrl.cli import main; main()", *args]


def episodes_per_iteration(run: Path) -> collections.Counter[str]:
    groups = [t.group_id for t in read_trajectories(run / "rollouts.jsonl")]
    return collections.Counter(group.split("/")[0] for group in groups)


def rank_process(launcher: subprocess.Popen[bytes], rank: int) -> psutil.Process:
    """The worker of ``rank`` that torchrun started under ``launcher``."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        for child in psutil.Process(launcher.pid).children(recursive=True):
            try:
                if child.environ().get("RANK") == str(rank) and "agentrl" in child.cmdline():
                    return child
            except psutil.Error:
                continue
        time.sleep(0.2)
    raise AssertionError(f"no rank {rank} process")


def wait_for(path: Path, process: subprocess.Popen[bytes], timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert path.exists(), f"{path} never appeared"


@pytest.mark.slow
def test_two_ranks_train_and_rank_zero_writes_each_episode_once(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, iterations=2)
    done = subprocess.run(agentrl("train", str(recipe), "--nproc", "2"), capture_output=True,
                          text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    run = tmp_path / "toy"
    assert done.stdout.count("[iter 2/2]") == 1  # rank 0 alone prints
    assert (run / "checkpoints" / "latest").read_text() == "iter-000002"
    assert episodes_per_iteration(run) == {"it0": TASKS * GROUP, "it1": TASKS * GROUP}
    rows = read_metrics(run)
    assert [row["iteration"] for row in rows] == [0, 1, 2]
    assert rows[0]["rollout/episodes"] == TASKS * GROUP  # the gathered batch
    assert (run / "eval.json").exists()


@pytest.mark.slow
def test_kill_9_of_a_rank_is_named_and_the_run_resumes_on_one_rank(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, iterations=1000)
    latest = tmp_path / "toy" / "checkpoints" / "latest"
    launcher = subprocess.Popen(agentrl("train", str(recipe), "--nproc", "2"),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        victim = rank_process(launcher, 1)
        wait_for(latest, launcher)
        victim.send_signal(signal.SIGKILL)
        output, _ = launcher.communicate(timeout=120)
    finally:
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    text = output.decode(errors="replace")
    assert launcher.returncode != 0
    assert "rank: 1" in text or "rank 1" in text, text[-3000:]
    done = int(latest.read_text().removeprefix("iter-"))
    resumed = subprocess.run(agentrl("train", str(recipe), f"trainer.iterations={done + 1}"),
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"from iteration {done}" in resumed.stdout
    run = tmp_path / "toy"
    assert latest.read_text() == f"iter-{done + 1:06d}"
    assert episodes_per_iteration(run) == {f"it{i}": TASKS * GROUP for i in range(done + 1)}


@pytest.mark.slow
def test_a_hung_rank_ends_the_run_with_an_error_naming_it(tmp_path: Path) -> None:
    recipe = write_recipe(tmp_path, iterations=1000, dist_timeout_s=15)
    latest = tmp_path / "toy" / "checkpoints" / "latest"
    launcher = subprocess.Popen(agentrl("train", str(recipe), "--nproc", "2"),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    victim = None
    try:
        victim = rank_process(launcher, 1)
        wait_for(latest, launcher)
        victim.send_signal(signal.SIGSTOP)  # alive, holding its sockets, never answering
        output, _ = launcher.communicate(timeout=180)
    finally:
        if victim is not None and victim.is_running():
            os.kill(victim.pid, signal.SIGKILL)
        if launcher.poll() is None:
            launcher.kill()
            launcher.wait()
    text = output.decode(errors="replace")
    assert launcher.returncode != 0
    assert "rank 0: collective" in text and "rank 1 (no heartbeat" in text, text[-3000:]
