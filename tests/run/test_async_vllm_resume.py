"""Partial rollouts inside a generate call (vLLM): weights published while the engine is
generating are let in between two engine steps; the requests in flight are aborted and
resumed from their generated prefix under the new weights, and each token keeps the
log-prob the engine reported and the version of the weights that sampled it.

Real parts: the vLLM CPU engine (one start, ~1 min on 2 cores), a tiny random llama
(head_dim 64, float32), toy/corridor, the rollout runner and the async loop's shared
sampler. The trainer's side is played by a thread that publishes perturbed weights as soon
as the runner's generate call holds the sampler; the engine checks for new weights only
after a step, so every reply has at least one token of the old version.
"""

from __future__ import annotations

import copy
import threading
import time

import pytest
import torch

from agentrl.core.registry import make
from agentrl.core.types import Turn
from agentrl.policy.hf import HFPolicy
from agentrl.rollout.options import RolloutOptions
from agentrl.rollout.runner import RolloutRunner
from agentrl.run.async_loop import SharedSampler

pytest.importorskip("vllm")
pytestmark = pytest.mark.slow

from agentrl.policy.vllm_backend import VLLMPolicy  # noqa: E402

TOLERANCE = 1e-4  # vLLM vs transformers in float32: |Δ log-prob| ≤ 1e-6 measured here


def _scores(policy: HFPolicy, turn: Turn) -> torch.Tensor:
    with torch.no_grad():
        logprobs = policy.score([turn.prompt_ids], [turn.action_ids]).logprobs[0]
    return logprobs[-len(turn.action_ids):]


def _publish_when_generating(shared: SharedSampler, model: torch.nn.Module) -> threading.Thread:
    """Publish ``model`` as version 1 once a generate call holds the shared sampler."""
    def publish() -> None:
        deadline = time.monotonic() + 300
        while not shared._lock.locked() and time.monotonic() < deadline:
            time.sleep(0.001)
        shared.publish(model, version=1)

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    return thread


def test_an_update_during_generation_resumes_the_reply_under_the_new_weights() -> None:
    torch.manual_seed(0)
    old = HFPolicy.from_name("tiny:llama-hd64")
    new = copy.deepcopy(old)
    with torch.no_grad():
        for parameter in new.model.parameters():
            parameter.add_(0.05 * torch.randn_like(parameter))
    engine = VLLMPolicy.from_trained(old, seed=0)
    shared = SharedSampler(engine, version=0)
    options = RolloutOptions(group_size=3, lenient_parsing=True, workers=1, max_turns=1,
                             sampling={"max_new_tokens": 64, "temperature": 1.0})
    runner = RolloutRunner(lambda: make("toy/corridor", max_turns=3), None,  # type: ignore[arg-type]
                           options)
    runner.policy = shared.view(runner)
    task = make("toy/corridor").tasks("train")[0]
    try:
        publisher = _publish_when_generating(shared, new.model)
        episodes = runner.run([task], seed=3, progress=False)
        publisher.join(timeout=60)
    finally:
        runner.close()
        engine.close()
    assert shared.version == 1 and not shared.pending()
    turns = [episode.turns[0] for episode in episodes]
    resumed = [turn for turn in turns if turn.token_versions is not None]
    assert resumed, [len(turn.action_ids) for turn in turns]
    for turn in resumed:
        versions = turn.token_versions
        assert turn.policy_version == 0  # the version the turn started with: its oldest
        assert len(versions) == len(turn.action_ids) == len(turn.action_logprobs)
        cut = versions.index(1)
        assert cut >= 1 and versions == [0] * cut + [1] * (len(versions) - cut)
        # the behaviour log-probs are the engine's: the old weights' before the update,
        # the new weights' after it (and not the old ones')
        behaviour = torch.tensor(turn.action_logprobs)
        by_old, by_new = _scores(old, turn), _scores(new, turn)
        torch.testing.assert_close(behaviour[:cut], by_old[:cut], atol=TOLERANCE, rtol=0)
        torch.testing.assert_close(behaviour[cut:], by_new[cut:], atol=TOLERANCE, rtol=0)
        assert (behaviour[cut:] - by_old[cut:]).abs().max() > 100 * TOLERANCE
