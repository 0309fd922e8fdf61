"""Activation checkpointing changes memory, not numbers; freed memory goes back to the OS."""

from __future__ import annotations

import torch

from agentrl.core.allocator import release_free_memory
from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.policy.hf import HFPolicy, LoraOptions
from agentrl.policy.memory import enable_activation_checkpointing
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

PROMPTS = [list(range(5, 105)), list(range(7, 57)), list(range(300, 380))]
ACTIONS = [[11, 12, 13, 14], [21, 22], [31, 32, 33]]


def _scores_and_grads(policy: HFPolicy) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    policy.model.train()
    policy.model.zero_grad(set_to_none=True)
    scores = policy.score(PROMPTS, ACTIONS, temperature=0.7)
    ((scores.logprobs + 0.1 * scores.entropies) * scores.mask).sum().backward()
    grads = [p.grad.clone() for p in policy.trainable_parameters()]
    return scores.logprobs.detach(), scores.entropies.detach(), grads


def test_checkpointing_gives_the_same_logprobs_and_gradients_full_and_lora() -> None:
    for lora in (None, LoraOptions(r=4)):
        torch.manual_seed(0)
        policy = HFPolicy.from_name("tiny:llama", lora=lora)
        plain = _scores_and_grads(policy)
        assert enable_activation_checkpointing(policy.model)
        assert policy.model.is_gradient_checkpointing
        checkpointed = _scores_and_grads(policy)
        assert torch.equal(plain[0], checkpointed[0])
        assert torch.equal(plain[1], checkpointed[1])
        assert all(torch.equal(a, b) for a, b in zip(plain[2], checkpointed[2], strict=True))


def _batch() -> list[Trajectory]:
    task = Task(id="t", env_id="toy", split="train")
    return [
        Trajectory(task=task, group_id="g", outcome_reward=float(row % 2), turns=[
            Turn(observation=Observation(text="o", state_key="s"), prompt_ids=prompt,
                 action_ids=action, action_logprobs=[-1.0] * len(action))])
        for row, (prompt, action) in enumerate(zip(PROMPTS * 2, ACTIONS * 2, strict=True))
    ]


def test_trainer_update_is_the_same_with_and_without_checkpointing() -> None:
    weights = []
    for checkpointing in (False, True):
        torch.manual_seed(0)
        policy = HFPolicy.from_name("tiny:llama")
        trainer = Trainer(policy, AlgorithmOptions(), OptimOptions(
            lr=1e-2, minibatch_size=6, micro_batch_size=2,
            activation_checkpointing=checkpointing))
        assert policy.model.is_gradient_checkpointing == checkpointing
        metrics = trainer.update(_batch())
        assert metrics["train/grad_norm"] > 0
        weights.append([p.detach().clone() for p in policy.model.parameters()])
    assert all(torch.equal(a, b) for a, b in zip(*weights, strict=True))


def test_rollouts_after_checkpointing_still_use_the_kv_cache() -> None:
    from agentrl.policy.base import SamplingParams

    torch.manual_seed(0)
    policy = HFPolicy.from_name("tiny:llama")
    sampling = SamplingParams(temperature=0.0, max_new_tokens=6)
    before = policy.generate_from_ids(PROMPTS, sampling)
    enable_activation_checkpointing(policy.model)
    policy.model.train()
    after = policy.generate_from_ids(PROMPTS, sampling)
    assert [g.token_ids for g in before] == [g.token_ids for g in after]
    release_free_memory()  # callable any time; returns freed heap pages
