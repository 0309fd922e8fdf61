"""The training loop end to end on toy/corridor with a tiny model: files, resume, seeding."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import torch
import yaml
from safetensors.torch import load_file

from agentrl.rollout.writer import read_trajectories
from agentrl.run.loop import load_policy, train

FIXED_METRICS = ("rollout/success", "rollout/episode_len", "loss/policy", "train/approx_kl",
                 "train/clipfrac", "perf/tokens_per_s", "rollout/error_rate",
                 "rollout/reward_std_in_group")


def toy_recipe(run_dir: Path, name: str = "toy", **trainer: Any) -> dict[str, Any]:
    return {
        "name": name,
        "seed": 3,
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama"},
        "rollout": {"group_size": 2, "lenient_parsing": True,
                    "sampling": {"max_new_tokens": 4}},
        "algorithm": {"advantage": "grpo"},
        "optim": {"lr": 1e-3, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": 2, "tasks_per_iteration": 2, **trainer},
        "eval": {"num_tasks": 2},
        "logging": {"run_dir": str(run_dir), "tensorboard": False, "progress": False},
    }


def metric_rows(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_train_writes_every_artefact_of_a_run(tmp_path: Path) -> None:
    recipe = toy_recipe(tmp_path)
    recipe["logging"]["tensorboard"] = True
    run = train(recipe)
    assert run == tmp_path / "toy"
    assert yaml.safe_load((run / "recipe.yaml").read_text())["env"]["id"] == "toy/corridor"
    rows = metric_rows(run)
    assert [row["iteration"] for row in rows] == [0, 1, 2]  # two iterations, then the eval
    for row in rows[:2]:
        for key in FIXED_METRICS:
            assert key in row, key
    assert "eval/success" in rows[2]
    assert (run / "checkpoints" / "latest").read_text() == "iter-000002"
    assert len(list(read_trajectories(run / "rollouts.jsonl"))) == 2 * 2 * 2
    samples = list(read_trajectories(run / "samples.jsonl"))
    assert samples and all(t.advantage is not None for s in samples for t in s.turns)
    result = json.loads((run / "eval.json").read_text())
    assert result["episodes"] == 2 and 0.0 <= result["ci_low"] <= result["ci_high"] <= 1.0
    assert "Held-out (heldout) success" in (run / "report.md").read_text()
    assert (run / "learning_curves.png").stat().st_size > 0
    assert list((run / "tensorboard").iterdir())


@pytest.mark.slow
def test_resume_continues_from_the_checkpoint(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    run = train(toy_recipe(tmp_path, iterations=1))
    saved = load_file(run / "checkpoints" / "iter-000001" / "model" / "model.safetensors")
    capsys.readouterr()
    recipe = toy_recipe(tmp_path, iterations=2)
    import agentrl.run.loop as train_module

    loaded: dict[str, torch.Tensor] = {}
    original = train_module.load_checkpoint

    def spy(path: Path, policy: Any, trainer: Any) -> int:
        iteration = original(path, policy, trainer)
        loaded.update({k: v.clone() for k, v in policy.model.state_dict().items()})
        return iteration

    train_module.load_checkpoint = spy
    try:
        train(recipe)
    finally:
        train_module.load_checkpoint = original
    out = capsys.readouterr().out
    assert f"resuming {run} from iteration 1" in out
    assert "[iter 2/2]" in out and "[iter 1/2]" not in out
    for key, value in saved.items():
        assert loaded[key].equal(value), key
    iterations = [row["iteration"] for row in metric_rows(run)]
    assert iterations == [0, 1, 2]  # run 1's eval line is cut with what followed checkpoint 1


@pytest.mark.slow
def test_killed_run_resumes_and_finishes(tmp_path: Path) -> None:
    recipe_path = tmp_path / "recipe.yaml"
    recipe = toy_recipe(tmp_path, iterations=1000)  # far more than run before the kill
    recipe_path.write_text(yaml.safe_dump(recipe))
    command = [sys.executable, "-c", "from agentrl.cli import main; main()", "train",
               str(recipe_path)]
    latest = tmp_path / "toy" / "checkpoints" / "latest"
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while not latest.exists() and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert latest.exists(), "no checkpoint was written"
    finally:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
    done = int(latest.read_text().removeprefix("iter-"))
    assert done < 1000
    finished = subprocess.run(
        [*command, "trainer.iterations=" + str(done + 1)], capture_output=True, text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr
    assert f"from iteration {done}" in finished.stdout
    assert latest.read_text() == f"iter-{done + 1:06d}"
    assert (tmp_path / "toy" / "eval.json").exists()


@pytest.mark.slow
def test_same_seed_twice_gives_identical_rollout_metrics(tmp_path: Path) -> None:
    def rollout_values(name: str) -> list[dict[str, float]]:
        run = train(toy_recipe(tmp_path, name=name))
        return [{k: v for k, v in row.items() if k.startswith(("rollout/", "loss/"))}
                for row in metric_rows(run)]

    first, second = rollout_values("a"), rollout_values("b")
    assert first == second
    assert first[0]["rollout/episodes"] == 4.0


def test_load_policy_uses_the_recipe_model(tmp_path: Path) -> None:
    from agentrl.run.recipe import load_recipe

    policy = load_policy(load_recipe(toy_recipe(tmp_path)))
    assert policy.name == "tiny:llama" and policy.device.type == "cpu"
