"""Rollouts with screenshots through the runner, then GRPO / REINFORCE++ updates of a tiny
random Qwen2-VL: the trainer scores the prompt's images, and the update moves the model."""

from __future__ import annotations

import copy
import math
from collections.abc import Sequence

import numpy as np
import pytest
import torch
from PIL import Image

from agentrl.core.env import Env
from agentrl.core.types import EnvSpec, Observation, StepResult, Task, Trajectory
from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.policy.multimodal import encode_image, image_digest
from agentrl.rollout.prompts import PromptOptions
from agentrl.rollout.runner import RolloutOptions, RolloutRunner
from agentrl.update.samples import turn_samples
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer


class ScreenEnv(Env):
    """Two turns, a new 56×56 noise screenshot each; reward 1 for a reply of odd length."""

    spec = EnvSpec(id="toy/screens", max_turns=2, description="Click somewhere.")

    def __init__(self) -> None:
        self.task: Task | None = None
        self.turn = 0

    def screen(self) -> Observation:
        assert self.task is not None
        seed = int(self.task.id[-1]) * 10 + self.turn
        pixels = np.random.default_rng(seed).integers(0, 256, (56, 56, 3), dtype=np.uint8)
        return Observation(text=f"screen {self.turn}", images=[encode_image(Image.fromarray(
            pixels))], state_key=f"{self.task.id}-{self.turn}")

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        self.task, self.turn = task or self.tasks("train")[0], 0
        return self.screen()

    def step(self, action: str) -> StepResult:
        self.turn += 1
        done = self.turn >= 2
        reward = float(len(action) % 2)
        return StepResult(observation=self.screen(), reward=reward, terminated=done,
                          info={"outcome_reward": reward} if done else {})

    def tasks(self, split: str) -> Sequence[Task]:
        return [Task(id=f"screen-{i}", env_id="toy/screens", split=split, ground_truth="(3, 4)")
                for i in range(2)]


@pytest.fixture(scope="module")
def base() -> HFPolicy:
    return HFPolicy.from_name("tiny:qwen2-vl")


@pytest.fixture(scope="module")
def rollouts(base: HFPolicy) -> list[Trajectory]:
    options = RolloutOptions(group_size=4, lenient_parsing=True, workers=2,
                             sampling=SamplingParams(max_new_tokens=4, temperature=1.0),
                             prompt=PromptOptions(history="full"))
    runner = RolloutRunner(ScreenEnv, base, options)
    try:
        return runner.run(list(ScreenEnv().tasks("train")), seed=3, progress=False)
    finally:
        runner.close()


def private(base: HFPolicy) -> HFPolicy:
    return HFPolicy(copy.deepcopy(base.model), base.tokenizer, name=base.name,
                    vision=base.vision)


def test_turns_record_their_prompt_images_once(rollouts: list[Trajectory]) -> None:
    trajectory = rollouts[0]
    first, second = (turn.observation.images[0] for turn in trajectory.turns)
    assert [turn.prompt_images for turn in trajectory.turns] == [
        [image_digest(first)], [image_digest(first), image_digest(second)]]  # full history
    # the JSON holds each screenshot in its observation only, not once per prompt
    assert trajectory.model_dump_json().count(first) == 1
    samples = turn_samples(rollouts, [[0.0] * len(t.turns) for t in rollouts])
    assert samples[1].images == (first, second)


@pytest.mark.parametrize("algorithm", [
    AlgorithmOptions(),
    AlgorithmOptions(advantage="reinforce++", advantage_options={"kl_coef": 0.5},
                     kl_coef=0.1),
    AlgorithmOptions(advantage="gae", advantage_options={"level": "token"}, shaping=["spa"],
                     shaping_options={"spa": {"fit": "online"}}),  # no exploration phase here
    AlgorithmOptions(shaping=["igpo"]),
], ids=["grpo", "reinforce++-kl", "gae-critic-spa", "igpo"])
def test_update_on_screenshots_scores_them_and_moves_the_model(
    base: HFPolicy, rollouts: list[Trajectory], algorithm: AlgorithmOptions
) -> None:
    outcomes = [t.outcome_reward for t in rollouts]
    assert len(set(outcomes[:4])) > 1 or len(set(outcomes[4:])) > 1  # some credit to give
    policy = private(base)
    before = {name: p.detach().clone() for name, p in policy.model.named_parameters()}
    trainer = Trainer(policy, algorithm, OptimOptions(lr=1e-3, micro_batch_size=3))
    metrics = trainer.update(copy.deepcopy(rollouts))
    assert all(math.isfinite(v) for v in metrics.values())
    assert metrics["train/turns"] == 16.0
    assert metrics["train/rollout_logprob_diff_max"] < 1e-4  # same tokens, images, positions
    changed = {name for name, p in policy.model.named_parameters()
               if not torch.equal(p, before[name])}
    assert any("visual" in name for name in changed)
    assert any("language_model" in name for name in changed)


def test_value_features_see_the_screenshots(base: HFPolicy, rollouts: list[Trajectory]) -> None:
    from agentrl.credit.context import hidden_features

    turn = rollouts[0].turns[0]
    other = rollouts[4].turns[0].observation.images  # another task's screen, same size
    with_own, with_other = (hidden_features(base, [turn.prompt_ids], images=[images])
                            for images in (turn.observation.images, other))
    assert not torch.allclose(with_own, with_other, atol=1e-5)
