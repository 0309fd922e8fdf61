"""The `agentrl` command, driven through typer's CliRunner."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agentrl.cli import app

runner = CliRunner()
SUBCOMMANDS = ("train", "eval", "envs", "play", "check-env", "inspect", "report")


def test_help_lists_every_subcommand() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in SUBCOMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_every_subcommand_has_help(name: str) -> None:
    result = runner.invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_envs_lists_the_builtin_envs() -> None:
    result = runner.invoke(app, ["envs"])
    assert result.exit_code == 0
    ids = result.output.split()
    assert "toy/corridor" in ids and "textworld" in ids


def test_train_with_a_bad_key_fails_with_the_message_only(tmp_path: Path) -> None:
    recipe = tmp_path / "bad.yaml"
    recipe.write_text("optim:\n  lrr: 0.1\n")
    result = runner.invoke(app, ["train", str(recipe)])
    assert result.exit_code == 2
    assert "unknown key 'optim.lrr'" in result.output
    assert "Traceback" not in result.output


def test_train_with_a_bad_override_fails_cleanly(tmp_path: Path) -> None:
    recipe = tmp_path / "r.yaml"
    recipe.write_text("env:\n  id: toy/corridor\n")
    result = runner.invoke(app, ["train", str(recipe), "algorithm.advantage=sallt"])
    assert result.exit_code == 2
    assert "algorithm.advantage='sallt' is not registered" in result.output


def test_check_env_passes_on_the_corridor() -> None:
    result = runner.invoke(app, ["check-env", "toy/corridor"])
    assert result.exit_code == 0, result.output


def test_play_the_corridor_from_stdin() -> None:
    # Task 0 of the train split is 1 cell long; extra lines are never read.
    result = runner.invoke(app, ["play", "toy/corridor"], input="right\nright\nright\n")
    assert result.exit_code == 0, result.output
    assert "success after 1 turns" in result.output
    long = runner.invoke(app, ["play", "toy/corridor", "--task", "2"],
                         input="left\nright\nright\nright\n")
    assert "[invalid action]" not in long.output
    assert "success after 4 turns" in long.output


def test_play_with_an_invalid_action_says_so() -> None:
    result = runner.invoke(app, ["play", "toy/corridor"], input="jump\nquit\n")
    assert result.exit_code == 0
    assert "[invalid action]" in result.output


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from agentrl.run.loop import train

    root = tmp_path_factory.mktemp("runs")
    return train({
        "name": "cli", "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama"},
        "rollout": {"group_size": 2, "sampling": {"max_new_tokens": 3}},
        "trainer": {"iterations": 1, "tasks_per_iteration": 2},
        "eval": {"num_tasks": 1},
        "logging": {"run_dir": str(root), "tensorboard": False, "progress": False},
    })


@pytest.mark.slow
def test_inspect_shows_turns_with_advantages(run_dir: Path) -> None:
    result = runner.invoke(app, ["inspect", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert "samples.jsonl" in result.output
    assert "-- turn 0" in result.output and "advantage " in result.output
    assert "advantage -\n" not in result.output and "advantage -  " not in result.output


@pytest.mark.slow
def test_report_writes_the_report(run_dir: Path) -> None:
    result = runner.invoke(app, ["report", str(run_dir)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(run_dir / "report.md")
    assert (run_dir / "learning_curves.png").exists()


@pytest.mark.slow
def test_eval_prints_the_success_rate(run_dir: Path) -> None:
    recipe = run_dir / "recipe.yaml"
    data = yaml.safe_load(recipe.read_text())
    assert data["name"] == "cli"
    result = runner.invoke(app, ["eval", str(recipe)])
    assert result.exit_code == 0, result.output
    assert "heldout: success" in result.output and "95% CI" in result.output
    assert "| **heldout** | 1 |" in result.output and "pass@1" in result.output  # the table


def test_report_on_a_folder_without_metrics_fails(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "has no metrics.jsonl" in result.output


def test_inspect_shows_the_critic_value_and_reference_kl(tmp_path: Path) -> None:
    from agentrl.core.types import Observation, Task, Trajectory, Turn

    turn = Turn(observation=Observation(text="a room", state_key="room"), action="go",
                reward=0.5, advantage=0.25, info={"value": 0.125, "kl": 0.0625})
    trajectory = Trajectory(task=Task(id="t", env_id="toy"), turns=[turn], outcome_reward=1.0)
    path = tmp_path / "samples.jsonl"
    path.write_text(trajectory.model_dump_json() + "\n")
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    assert "reward +0.500  advantage +0.2500" in result.output
    assert "credit: critic value +0.1250, KL to reference +0.0625" in result.output


@pytest.mark.parametrize("item, named", [("base_url", "KEY=VALUE"), ("=3", "KEY=VALUE"),
                                         ("max-turns=3", "KEY=VALUE")])
def test_a_malformed_env_kwarg_is_named(item: str, named: str) -> None:
    result = runner.invoke(app, ["check-env", "toy/fork", "-k", item])
    assert result.exit_code == 2
    assert repr(item) in result.output and named in result.output


def test_env_kwargs_are_read_as_yaml_and_reach_the_constructor() -> None:
    from agentrl.cli.env_kwargs import parse_env_kwargs

    assert parse_env_kwargs(["a=3", "b=true", "c=[1, 2]", "d=http://x:1/y", "e="]) == {
        "a": 3, "b": True, "c": [1, 2], "d": "http://x:1/y", "e": ""}
    result = runner.invoke(app, ["check-env", "toy/fork", "--no-isolate",
                                 "-k", "no_such_argument=1"])
    assert result.exit_code == 1
    assert "no_such_argument" in result.output
