"""Exported weights for a sampling engine: base names, LoRA merged, tied embeddings twice."""

from __future__ import annotations

import copy

import torch
from peft import LoraConfig, get_peft_model
from safetensors.torch import load_file

from agentrl.policy.hf import HFPolicy
from agentrl.policy.weights import merged_state_dict, untied_config, write_weights


def test_full_model_keeps_its_names_and_writes_tied_embeddings_twice(tmp_path) -> None:
    policy = HFPolicy.from_name("tiny:llama")
    state = merged_state_dict(policy.model)
    assert set(state) == set(policy.model.state_dict())
    assert state["lm_head.weight"].equal(state["model.embed_tokens.weight"])
    assert state["lm_head.weight"].data_ptr() != state["model.embed_tokens.weight"].data_ptr()
    loaded = load_file(write_weights(policy.model, tmp_path, torch.bfloat16))
    assert loaded["model.norm.weight"].dtype == torch.bfloat16
    assert not untied_config(policy.model.config).tie_word_embeddings
    assert policy.model.config.tie_word_embeddings  # the trained model's config is untouched


def test_lora_is_merged_under_base_names_and_the_model_left_unmerged() -> None:
    base = HFPolicy.from_name("tiny:llama").model
    config = LoraConfig(r=2, lora_alpha=4, target_modules=["q_proj"], task_type="CAUSAL_LM")
    lora = get_peft_model(copy.deepcopy(base), config)
    with torch.no_grad():
        for name, parameter in lora.named_parameters():
            if "lora_B" in name:
                parameter.fill_(0.1)
    state = merged_state_dict(lora)
    assert set(state) == set(base.state_dict())
    layer = lora.base_model.model.model.layers[0].self_attn.q_proj
    delta = (layer.lora_B["default"].weight @ layer.lora_A["default"].weight) * (4 / 2)
    expected = base.model.layers[0].self_attn.q_proj.weight + delta
    torch.testing.assert_close(state["model.layers.0.self_attn.q_proj.weight"], expected)
    torch.testing.assert_close(layer.base_layer.weight,
                               base.model.layers[0].self_attn.q_proj.weight)  # unmerged
