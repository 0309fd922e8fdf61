"""The shipped CPU recipe (accessibility-text mode) trains end to end on real screens."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from agentrl.rollout.writer import read_trajectories
from agentrl.train import train

RECIPE = Path(__file__).resolve().parents[3] / "recipes" / "gui-grounding-a11y-cpu.yaml"


@pytest.mark.slow
def test_a11y_cpu_recipe_runs_an_iteration_and_its_eval(tmp_path):
    pytest.importorskip("playwright.sync_api")
    recipe = yaml.safe_load(RECIPE.read_text())
    recipe["env"]["kwargs"].update(screens={"train": 1, "valid": 1, "heldout": 1},
                                   targets_per_screen=2, cache_dir=str(tmp_path / "cache"))
    recipe["policy"] = {"model": "tiny:llama"}  # the embedded model is for the demo itself
    recipe["rollout"]["group_size"] = 2
    recipe["trainer"] = {"iterations": 1, "tasks_per_iteration": 2}
    recipe["eval"]["num_tasks"] = 2
    recipe["logging"] = {"run_dir": str(tmp_path), "tensorboard": False, "progress": False}
    run = train(recipe)
    trajectories = list(read_trajectories(run / "rollouts.jsonl"))
    assert len(trajectories) == 4
    for trajectory in trajectories:
        (turn,) = trajectory.turns
        assert turn.action.startswith("click(")  # the recipe's response prefix
        assert "Accessibility tree" in turn.observation.text
        assert "reward_components" in turn.info
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert "loss/policy" in rows[0] and "eval/success" in rows[-1]
