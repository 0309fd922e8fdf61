"""Every method trains end to end: real rollouts of a tiny model on the corridor env, one
update through the whole pipeline (shaping → estimator → loss), finite loss, right shapes."""

from __future__ import annotations

import copy
import math

import pytest

import agentrl
from agentrl.core.types import Trajectory
from agentrl.policy.hf import HFPolicy
from agentrl.rollout import RolloutOptions, RolloutRunner
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

pytestmark = pytest.mark.slow

METHODS = {
    "grpo": {"advantage": "grpo"},
    "rloo": {"advantage": "rloo"},
    "reinforce++": {"advantage": "reinforce++"},
    "reinforce++ (KL in reward)": {"advantage": "reinforce++",
                                   "advantage_options": {"kl_coef": 0.05}},
    "gae (PPO, critic)": {"advantage": "gae"},
    "gae (PPO, token-level critic)": {"advantage": "gae", "advantage_options": {"level": "token"}},
    "gigpo": {"advantage": "gigpo", "shaping": ["format"]},
    "salt": {"advantage": "salt"},
    "spa": {"advantage": "spa", "shaping": ["spa"], "advantage_options": {"mode": "group_returns"},
            "shaping_options": {"spa": {"fit": "online"}}},  # no exploration phase here
    "igpo": {"advantage": "igpo", "shaping": ["igpo"]},
    "grpo + epo": {"advantage": "grpo", "entropy": "epo"},
    "grpo + gated": {"advantage": "grpo", "shaping": ["gated"]},
    "salt + gated + epo (the issue's composition)": {
        "advantage": "salt", "shaping": ["gated"], "entropy": "epo",
        "entropy_options": {"variant": "code", "max_turns": 3}},
}


@pytest.fixture(scope="module")
def rollouts() -> tuple[HFPolicy, list[Trajectory]]:
    policy = HFPolicy.from_name("tiny:llama")
    options = RolloutOptions(group_size=3, lenient_parsing=True)
    options.sampling.max_new_tokens = 4
    env = agentrl.make("toy/corridor", max_turns=3)
    runner = RolloutRunner(lambda: agentrl.make("toy/corridor", max_turns=3), policy, options)
    trajectories = runner.run(list(env.tasks("train")[:2]), seed=0, progress=False)
    runner.close()
    for index, trajectory in enumerate(trajectories):  # give each group a reward spread
        trajectory.outcome_reward = float(index % 3 == 0)
        trajectory.step_rewards_include_outcome = False  # an outcome the env did not pay
        trajectory.task.ground_truth = "right"  # IGPO scores the answer's probability
    return policy, trajectories


@pytest.mark.parametrize("method", list(METHODS))
def test_method_runs_a_full_update(method: str, rollouts) -> None:
    base, trajectories = rollouts
    policy = HFPolicy(copy.deepcopy(base.model), base.tokenizer, name="tiny:llama")
    batch = [t.model_copy(deep=True) for t in trajectories]
    trainer = Trainer(policy, AlgorithmOptions(**METHODS[method]),
                      OptimOptions(lr=1e-3, minibatch_size=8, micro_batch_size=4))
    metrics = trainer.update(batch, iteration=0, progress=0.5)
    assert metrics["train/turns"] == sum(len(t.turns) for t in batch)
    assert all(math.isfinite(v) for v in metrics.values()), metrics
    assert all(turn.advantage is not None and math.isfinite(turn.advantage)
               for t in batch for turn in t.turns)
