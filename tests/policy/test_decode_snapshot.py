"""The bf16 decode snapshot: merged weights, refreshed after every change, never mutating the
trained model; rollouts under CPU mixed precision decode with it."""

from __future__ import annotations

import torch

from agentrl.policy.base import SamplingParams
from agentrl.policy.decode_snapshot import DecodeSnapshot
from agentrl.policy.hf import HFPolicy, LoraOptions
from agentrl.policy.weights import merged_state_dict


def _lora_policy(**kwargs: object) -> HFPolicy:
    policy = HFPolicy.from_name("tiny:llama", dtype="bfloat16", lora=LoraOptions(r=4, alpha=8),
                                **kwargs)
    with torch.no_grad():  # a nonzero adapter, so merging changes the weights
        for name, parameter in policy.model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.linspace(-0.5, 0.5, parameter.numel()).view_as(parameter))
    return policy


def test_merging_a_bf16_base_leaves_its_weights_bit_for_bit() -> None:
    policy = _lora_policy()
    before = {n: t.clone() for n, t in policy.model.state_dict().items()}
    for _ in range(3):
        merged_state_dict(policy.model)
    after = policy.model.state_dict()
    assert all(after[name].equal(tensor) for name, tensor in before.items())


def test_snapshot_holds_the_merged_weights_and_follows_every_update() -> None:
    policy = _lora_policy()
    snapshot = DecodeSnapshot()
    model = snapshot.model_for(policy.model)
    assert all(p.dtype == torch.bfloat16 for p in model.parameters())
    assert not any("lora" in name for name, _ in model.named_parameters())
    assert "forward" in vars(model.get_output_embeddings())  # the flat head (avoided_copies)
    layer = policy.model.get_base_model().model.layers[0].self_attn.q_proj
    expected = (layer.base_layer.weight.float() + layer.lora_B["default"].weight
                @ layer.lora_A["default"].weight * (8 / 4)).to(torch.bfloat16)
    assert model.model.layers[0].self_attn.q_proj.weight.equal(expected)
    assert snapshot.model_for(policy.model) is model and snapshot.refreshes == 1  # unchanged
    with torch.no_grad():  # what an optimizer step does: the adapter changes in place
        layer.lora_A["default"].weight.add_(0.25)
    refreshed = snapshot.model_for(policy.model)
    assert snapshot.refreshes == 2
    expected = (layer.base_layer.weight.float() + layer.lora_B["default"].weight
                @ layer.lora_A["default"].weight * (8 / 4)).to(torch.bfloat16)
    assert refreshed.model.layers[0].self_attn.q_proj.weight.equal(expected)


def test_rollouts_decode_with_the_snapshot_and_score_close_to_the_trainer() -> None:
    policy = _lora_policy()
    assert policy.snapshot is not None
    prompts = [[1, 5, 9, 12, 14], [1, 7, 3]]
    sampling = SamplingParams(max_new_tokens=6, temperature=1.0, seed=3)
    generations = policy.generate_from_ids(prompts, sampling)
    assert policy.snapshot.refreshes == 1 and policy.snapshot.model is not None
    actions = [g.token_ids for g in generations]
    with torch.no_grad():
        scores = policy.score(prompts, actions)
    for row, generation in enumerate(generations):
        n = len(generation.token_ids)
        trainer = scores.logprobs[row, scores.logprobs.shape[1] - n:]
        gap = (trainer - torch.tensor(generation.logprobs)).abs().max().item()
        assert gap < 0.1, gap  # bf16 rounding of the same weights, not other weights
    plain = _lora_policy(decode_snapshot=False)
    assert plain.snapshot is None
    again = plain.generate_from_ids(prompts, sampling)
    assert [len(g.token_ids) for g in again]  # the trained model itself still decodes


def test_float32_policies_decode_with_the_trained_model() -> None:
    policy = HFPolicy.from_name("tiny:llama", dtype="float32", lora=LoraOptions(r=4, alpha=8))
    assert policy.snapshot is None
