"""The shipped CPU recipe (accessibility-text mode) trains end to end on real screens."""

from __future__ import annotations

import json

import pytest

from agentrl.rollout.writer import read_trajectories
from agentrl.run.loop import train


@pytest.mark.slow
def test_a11y_cpu_recipe_runs_an_iteration_and_its_eval(shrunk_gui_recipe):
    # the embedded model is for the demo itself
    recipe = shrunk_gui_recipe("gui-grounding-a11y-cpu.yaml", {"model": "tiny:llama"},
                               {"train": 1, "valid": 1, "heldout": 1}, targets_per_screen=2)
    run = train(recipe)
    trajectories = list(read_trajectories(run / "rollouts.jsonl"))
    assert len(trajectories) == 4
    for trajectory in trajectories:
        (turn,) = trajectory.turns
        assert turn.action.startswith("click(")  # the recipe's response prefix
        assert "Accessibility tree" in turn.observation.text
        assert "reward_components" in turn.info
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    trained = [row for row in rows if "sft/loss" not in row]  # the recipe warm-starts first
    assert any("sft/loss" in row for row in rows)
    assert "loss/policy" in trained[0] and "eval/success" in rows[-1]
