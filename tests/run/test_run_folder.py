"""A damaged, incomplete or foreign run folder is never taken for a fresh run; a shared one
never runs code; each refusal is one paragraph with exit status 2."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from typer.testing import CliRunner

from agentrl.cli import app
from agentrl.run.errors import RunFolderError
from agentrl.run.loop import train
from agentrl.run.recipe import load_recipe
from agentrl.run.run_folder import check_same_run
from tests.run.conftest import toy_run_recipe, write_recipe

cli = CliRunner()


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished one-iteration run (checkpoint iter-000001), copied by each test."""
    root = tmp_path_factory.mktemp("finished")
    recipe = toy_run_recipe(root, iterations=1)
    recipe["logging"]["tensorboard"] = False
    return train(recipe)


@pytest.fixture()
def run(finished: Path, tmp_path: Path) -> Path:
    """A copy of the finished run under ``tmp_path``; its recipe at tmp_path/recipe.yaml."""
    copy = tmp_path / "toy"
    shutil.copytree(finished, copy)
    recipe = toy_run_recipe(tmp_path, iterations=1)
    recipe["logging"]["tensorboard"] = False
    write_recipe(tmp_path / "recipe.yaml", recipe)
    return copy


def refused(run: Path, *args: str, command: str = "train") -> str:
    """Run ``agentrl COMMAND recipe ARGS`` on ``run``; assert exit 2 without a traceback;
    return the message, joined into one line."""
    result = cli.invoke(app, [command, str(run.parent / "recipe.yaml"), *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


@pytest.mark.slow
def test_a_latest_pointer_naming_a_missing_folder_is_an_error(run: Path) -> None:
    rollouts = (run / "rollouts.jsonl").read_bytes()
    shutil.rmtree(run / "checkpoints" / "iter-000001")
    message = refused(run)
    assert f"{run}/checkpoints/latest names 'iter-000001'" in message
    assert "Restore that folder" in message
    assert (run / "rollouts.jsonl").read_bytes() == rollouts  # nothing started again


@pytest.mark.slow
@pytest.mark.parametrize(("damage", "said"), [
    (lambda path: path.unlink(), "is missing"),
    (lambda path: path.write_bytes(b"\x00garbage" * 50), "cannot be read"),
    (lambda path: path.write_bytes(path.read_bytes()[:1000]), "cannot be read"),
])
def test_a_missing_or_corrupt_trainer_state_is_an_error_naming_it(run: Path, damage,
                                                                  said: str) -> None:
    damage(run / "checkpoints" / "iter-000001" / "trainer.pt")
    message = refused(run, "trainer.iterations=2")
    assert f"checkpoint file {run}/checkpoints/iter-000001/trainer.pt {said}" in message
    assert f"remove {run}" in message


@pytest.mark.slow
def test_corrupt_weights_are_an_error_naming_the_file(run: Path) -> None:
    weights = run / "checkpoints" / "iter-000001" / "model" / "model.safetensors"
    weights.write_bytes(b"not safetensors")
    assert f"checkpoint file {weights} cannot be read" in refused(run)


class Payload:
    """Unpickled, it runs a shell command (what a hostile trainer.pt would do)."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return os.system, (f"touch {self.marker}",)


@pytest.mark.slow
@pytest.mark.parametrize("command", ["train", "eval"])
def test_a_pickle_in_trainer_pt_does_not_run(run: Path, tmp_path: Path, command: str) -> None:
    marker = tmp_path / "pwned"
    trainer_pt = run / "checkpoints" / "iter-000001" / "trainer.pt"
    torch.save({"trainer": Payload(marker), "torch_rng": torch.get_rng_state()}, trainer_pt)
    torch.load(trainer_pt, weights_only=False)  # the payload is live: unpickled, it runs
    assert marker.exists()
    marker.unlink()
    message = refused(run, command=command)
    assert not marker.exists()
    assert f"{trainer_pt} holds objects other than tensors and plain data" in message


@pytest.mark.slow
def test_a_file_shorter_than_its_checkpoint_covers_is_an_error(run: Path) -> None:
    rollouts = run / "rollouts.jsonl"
    rollouts.write_text(rollouts.read_text().splitlines(keepends=True)[0])
    message = refused(run, "trainer.iterations=2")
    assert f"{rollouts} holds" in message and "the file lost lines" in message


@pytest.mark.slow
def test_resuming_with_another_env_is_refused_and_the_recipe_kept(run: Path) -> None:
    stored = (run / "recipe.yaml").read_text()
    message = refused(run, "trainer.iterations=2", "env.kwargs.max_turns=3", "seed=6")
    assert 'env.kwargs.max_turns: 2 in the run, 3 now' in message
    assert "seed: 5 in the run, 6 now" in message
    assert "trainer.iterations:" not in message
    assert (run / "recipe.yaml").read_text() == stored


@pytest.mark.parametrize(("override", "key"), [
    ("policy.model=tiny:qwen2", "policy.model"),
    ("policy.lora.r=4", "policy.lora"),
    ("env.id=toy/fork", "env.id"),
    ("algorithm.advantage=rloo", "algorithm.advantage"),
    ("optim.lr=0.1", "optim.lr"),
    ("rollout.group_size=4", "rollout.group_size"),
])
def test_keys_that_change_the_run_are_named(tmp_path: Path, override: str, key: str) -> None:
    stored = tmp_path / "recipe.yaml"
    stored.write_text(yaml.safe_dump(load_recipe(toy_run_recipe(tmp_path)).model_dump()))
    with pytest.raises(RunFolderError, match=rf"holds a run of another recipe \({key}"):
        check_same_run(stored, load_recipe(toy_run_recipe(tmp_path), [override]))


def test_keys_that_do_not_change_the_run_may_differ(tmp_path: Path) -> None:
    stored = tmp_path / "recipe.yaml"
    stored.write_text(yaml.safe_dump(load_recipe(toy_run_recipe(tmp_path)).model_dump()))
    harmless = ["trainer.iterations=9", "trainer.checkpoint_every=3", "eval.num_tasks=1",
                "logging.tensorboard=false", "policy.cpu_threads=2", "rollout.workers=4"]
    check_same_run(stored, load_recipe(toy_run_recipe(tmp_path), harmless))
