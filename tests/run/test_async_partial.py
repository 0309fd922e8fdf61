"""Partial rollouts (hf, at turn boundaries): an episode in flight when the trainer publishes
new weights goes on under them; each turn keeps the version and the behaviour log-probs of
the weights that sampled it.

Real parts: toy/corridor, a tiny random llama, the rollout runner and the async loop's
shared sampler; new weights are published from inside the env's first step, i.e. between
the episode's first and second turn, as the trainer thread would.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
import torch

from agentrl.core.env import Env
from agentrl.core.registry import make
from agentrl.core.types import StepResult, Trajectory
from agentrl.policy.hf import HFPolicy
from agentrl.rollout.options import RolloutOptions
from agentrl.rollout.runner import RolloutRunner
from agentrl.run.async_loop import SharedSampler, sampler_copy


class PublishingCorridor(Env):
    """toy/corridor whose first step publishes the next policy version (then goes on)."""

    def __init__(self, publish: Callable[[], None]) -> None:
        self.inner = make("toy/corridor", max_turns=3)
        self.spec = self.inner.spec
        self.publish = publish
        self.steps = 0

    def reset(self, task=None, *, seed=None):  # noqa: ANN001, ANN201 - Env's signature
        """The corridor's reset."""
        return self.inner.reset(task, seed=seed)

    def step(self, action: str) -> StepResult:
        """The corridor's step; the first one publishes new weights before returning."""
        self.steps += 1
        if self.steps == 1:
            self.publish()
        return self.inner.step(action)

    def tasks(self, split: str):  # noqa: ANN201 - Env's signature
        """The corridor's tasks."""
        return self.inner.tasks(split)

    def close(self) -> None:
        """Close the corridor."""
        self.inner.close()


def _scored(policy: HFPolicy, trajectory: Trajectory, turn: int) -> list[float]:
    sample = trajectory.turns[turn]
    with torch.no_grad():
        logprobs = policy.score([sample.prompt_ids], [sample.action_ids]).logprobs[0]
    return logprobs[-len(sample.action_ids):].tolist()


@pytest.mark.slow
def test_an_episode_goes_on_under_the_weights_published_mid_episode() -> None:
    torch.manual_seed(0)
    trained = HFPolicy.from_name("tiny:llama")
    before = sampler_copy(trained)  # version 0's weights, kept to score turn 0
    shared = SharedSampler(sampler_copy(trained), version=0)

    def publish() -> None:  # an optimizer step's worth of change, then the hand-off
        with torch.no_grad():
            for parameter in trained.model.parameters():
                parameter.add_(0.05 * torch.randn_like(parameter))
        shared.publish(trained.model, version=1)

    options = RolloutOptions(group_size=1, lenient_parsing=True, workers=1, max_turns=3,
                             sampling={"max_new_tokens": 4, "temperature": 1.0})
    runner = RolloutRunner(lambda: PublishingCorridor(publish), None, options)  # type: ignore[arg-type]
    runner.policy = shared.view(runner)
    task = make("toy/corridor").tasks("train")[0]
    try:
        (episode,) = runner.run([task], seed=3, progress=False)
    finally:
        runner.close()
    assert len(episode.turns) >= 2, episode.error
    assert [t.policy_version for t in episode.turns[:2]] == [0, 1]
    # each turn's behaviour log-probs are those of the weights that sampled it
    assert episode.turns[0].action_logprobs == pytest.approx(_scored(before, episode, 0),
                                                             abs=1e-4)
    assert episode.turns[1].action_logprobs == pytest.approx(_scored(trained, episode, 1),
                                                             abs=1e-4)
    assert episode.turns[1].action_logprobs != pytest.approx(_scored(before, episode, 1),
                                                             abs=1e-4)


def test_wait_for_returns_when_the_version_is_published_or_stopped() -> None:
    shared = SharedSampler(HFPolicy.__new__(HFPolicy), version=2)
    stop = threading.Event()
    assert shared.wait_for(2, stop)  # already there
    stop.set()
    assert not shared.wait_for(3, stop)  # never published: the stop ends the wait
