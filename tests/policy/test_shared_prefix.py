"""Scoring rows that share a prompt prefix: the prefix runs once, and log-probs and gradients
equal the plain forward's."""

from __future__ import annotations

import copy

import pytest
import torch

from agentrl.policy.hf import HFPolicy, LoraOptions
from agentrl.policy.memory import enable_activation_checkpointing

PREFIX = [1, *range(40, 60)]  # 21 tokens common to every row: above MIN_SHARED_TOKENS
PROMPTS = [PREFIX + [7, 8, 9], PREFIX + [11], PREFIX + [12, 13, 14, 15, 16, 17], PREFIX + [7, 8]]
ACTIONS = [[20, 21, 22], [23], [24, 25], [26, 27, 28, 29]]


@pytest.fixture(scope="module")
def base() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama", dtype="float32")


def _scored(policy: HFPolicy, share: bool) -> tuple[torch.Tensor, list[torch.Tensor], int]:
    """(log-probs, the gradients of a loss over log-probs and entropies, tokens embedded)."""
    embedded = 0

    def count(module: torch.nn.Module, inputs: tuple[torch.Tensor, ...], output: object) -> None:
        nonlocal embedded
        embedded += inputs[0].numel()

    hook = policy.model.get_input_embeddings().register_forward_hook(count)
    policy.model.zero_grad(set_to_none=True)
    scores = policy.score(PROMPTS, ACTIONS, temperature=0.7, share_prefix=share)
    weights = torch.linspace(-1.0, 2.0, scores.logprobs.numel()).view_as(scores.logprobs)
    ((scores.logprobs * weights + 0.1 * scores.entropies) * scores.mask).sum().backward()
    hook.remove()
    grads = [p.grad.clone() for p in policy.trainable_parameters()]
    return scores.logprobs.detach() * scores.mask, grads, embedded


@pytest.mark.parametrize("checkpointing", [False, True])
def test_shared_prefix_gives_the_plain_log_probs_and_gradients(
    base: HFPolicy, checkpointing: bool,
) -> None:
    policy = HFPolicy(copy.deepcopy(base.model), base.tokenizer)
    if checkpointing:
        assert enable_activation_checkpointing(policy.model)
    policy.model.train()
    shared, shared_grads, shared_tokens = _scored(policy, share=True)
    plain, plain_grads, plain_tokens = _scored(policy, share=False)
    torch.testing.assert_close(shared, plain, atol=1e-5, rtol=0)
    for ours, theirs in zip(shared_grads, plain_grads, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-4)
    # the prefix ran once: 21 + 4 rows × (longest own part 6 + 2 action tokens, padded)
    assert plain_tokens == 4 * (21 + 6 + 2)
    assert shared_tokens == 21 + 4 * (6 + 2)


def test_shared_prefix_with_lora_and_bf16_autocast() -> None:
    policy = HFPolicy.from_name("tiny:llama", dtype="bfloat16", lora=LoraOptions(r=4, alpha=8))
    with torch.no_grad():
        for parameter in policy.trainable_parameters():  # a trained adapter, not B = 0
            parameter.add_(0.05)
    shared, shared_grads, _ = _scored(policy, share=True)
    plain, plain_grads, _ = _scored(policy, share=False)
    # bf16 rounds differently in the two shapes: close, as rollout and update are
    torch.testing.assert_close(shared, plain, atol=0.1, rtol=0)
    for ours, theirs in zip(shared_grads, plain_grads, strict=True):
        assert torch.cosine_similarity(ours.flatten(), theirs.flatten(), dim=0) > 0.99


def test_rows_without_a_long_common_prefix_take_the_plain_path(base: HFPolicy) -> None:
    assert base._shareable([[1, 2, 3] * 10, [1, 2, 4] * 10]) == 0  # 2 tokens in common
    assert base._shareable([PREFIX + [5], PREFIX + [6]]) == len(PREFIX)
    assert base._shareable([PREFIX, PREFIX + [6]]) == len(PREFIX) - 1  # keeps a last token
