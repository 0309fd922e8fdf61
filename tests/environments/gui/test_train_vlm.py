"""The GPU grounding recipe, shrunk to a tiny Qwen2-VL on CPU: screenshots rendered by
Chromium reach the vision-language policy, the trainer scores the same image tokens (the
rollout/trainer mismatch is ~0), and each screenshot is stored once beside the JSONL."""

from __future__ import annotations

import json

import pytest

from agentrl.rollout.writer import read_trajectories
from agentrl.run.loop import train


@pytest.mark.slow
def test_grounding_recipe_trains_a_vision_language_policy_on_rendered_screens(
    shrunk_gui_recipe,
):
    recipe = shrunk_gui_recipe(
        "gui-grounding-grpo.yaml", {"model": "tiny:qwen2-vl", "device": "cpu",
                                    "max_batch_size": 4, "dtype": "float32"},
        {"train": 2, "valid": 1, "heldout": 1}, max_pixels=200_704)
    recipe["rollout"].update(workers=2, sampling={"temperature": 0.9, "max_new_tokens": 12})
    recipe["optim"].update(minibatch_size=4, micro_batch_size=2)
    # a scoring pass over every turn measures the mismatch even when no turn carries signal
    # (the tiny model rarely hits a target; turns without signal skip the update's pass)
    recipe["algorithm"]["rollout_correction"] = "token_tis"
    run = train(recipe)

    trajectories = list(read_trajectories(run / "rollouts.jsonl"))
    assert len(trajectories) == 4
    for trajectory in trajectories:
        (turn,) = trajectory.turns
        (image,) = turn.observation.images  # restored from its file on read
        assert image.startswith("iVBOR")  # base64 PNG
        assert len(turn.prompt_images) == 1
    raw = (run / "rollouts.jsonl").read_text()
    assert "iVBOR" not in raw  # not inlined: content-addressed files instead
    distinct = {t.turns[0].observation.images[0] for t in trajectories}
    assert len(list((run / "images").glob("*.png"))) == len(distinct) < 4  # once per screen
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows[0]["train/rollout_logprob_diff_max"] < 1e-4
    assert "eval/success" in rows[-1]
