"""The copies `agentrl.policy.avoided_copies` removes change no log-prob and no gradient."""

from __future__ import annotations

import torch

from agentrl.policy.hf import HFPolicy, LoraOptions

PROMPTS = [[1, 5, 9, 12, 14, 3, 8], [1, 7, 3], [1, 5, 9, 2]]
ACTIONS = [[20, 21], [22, 23, 24, 25], [26]]


def _policy(dtype: str) -> HFPolicy:
    torch.manual_seed(0)
    policy = HFPolicy.from_name("tiny:llama", dtype=dtype, lora=LoraOptions(r=4, alpha=8))
    with torch.no_grad():
        for name, parameter in policy.model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.linspace(-0.3, 0.3, parameter.numel()).view_as(parameter))
    return policy


def _undo(policy: HFPolicy) -> None:
    """The model as peft and transformers leave it: casting adapters, strided head input."""
    del policy.model.get_output_embeddings().forward  # the class's own forward again
    for module in policy.model.modules():
        if hasattr(module, "cast_input_dtype_enabled"):
            module.cast_input_dtype_enabled = True


def _logprobs_and_grads(policy: HFPolicy) -> tuple[torch.Tensor, list[torch.Tensor]]:
    policy.model.zero_grad(set_to_none=True)
    scores = policy.score(PROMPTS, ACTIONS, share_prefix=False)
    (scores.logprobs * scores.mask).sum().backward()
    return scores.logprobs.detach(), [p.grad for p in policy.trainable_parameters()]


def test_bf16_adapters_without_input_casts_give_the_same_numbers() -> None:
    fast, plain = _policy("bfloat16"), _policy("bfloat16")
    _undo(plain)
    assert not any(getattr(m, "cast_input_dtype_enabled", False) for m in fast.model.modules())
    fast_logprobs, fast_grads = _logprobs_and_grads(fast)
    plain_logprobs, plain_grads = _logprobs_and_grads(plain)
    torch.testing.assert_close(fast_logprobs, plain_logprobs, rtol=0, atol=1e-6)
    for a, b in zip(fast_grads, plain_grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_flat_head_input_gives_the_same_numbers_in_float32() -> None:
    fast, plain = _policy("float32"), _policy("float32")
    _undo(plain)
    fast_logprobs, fast_grads = _logprobs_and_grads(fast)
    plain_logprobs, plain_grads = _logprobs_and_grads(plain)
    torch.testing.assert_close(fast_logprobs, plain_logprobs, rtol=0, atol=1e-5)
    for a, b in zip(fast_grads, plain_grads, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)
