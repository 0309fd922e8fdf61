"""policy.dtype: what 'auto' resolves to, and bf16 autocast on CPU with fp32 trained weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from agentrl.policy.hf import HFPolicy, LoraOptions
from agentrl.policy.precision import Precision, cpu_bf16_flags, resolve_dtype
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    amx = tmp_path / "amx"
    amx.write_text("processor\t: 0\nflags\t\t: fpu sse avx512f amx_tile amx_bf16\n")
    plain = tmp_path / "plain"
    plain.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\n")
    assert cpu_bf16_flags(str(amx)) == ("amx_bf16",)
    assert cpu_bf16_flags(str(plain)) == ()
    assert cpu_bf16_flags(str(tmp_path / "missing")) == ()


def test_auto_is_bf16_only_on_a_cpu_that_has_it() -> None:
    expected = "bfloat16" if cpu_bf16_flags() else "float32"
    assert resolve_dtype("auto", "cpu") == expected
    assert resolve_dtype("auto", "cuda") == "float32"
    assert resolve_dtype("float32", "cpu") == "float32"
    with pytest.raises(ValueError, match="policy.dtype='int8'"):
        resolve_dtype("int8")


def test_bf16_on_cpu_is_autocast_with_fp32_trained_weights() -> None:
    assert Precision.of("bfloat16", "cpu", lora=True) == Precision(
        "bfloat16", torch.bfloat16, torch.bfloat16)  # frozen base in bf16, adapter fp32
    assert Precision.of("bfloat16", "cpu") == Precision(
        "bfloat16", torch.float32, torch.bfloat16)  # full fine-tune: fp32 master weights
    assert Precision.of("bfloat16", "cuda") == Precision("bfloat16", torch.bfloat16)


def test_bf16_lora_policy_trains_an_fp32_adapter_in_bf16_matmuls() -> None:
    policy = HFPolicy.from_name("tiny:llama", dtype="bfloat16", lora=LoraOptions(r=4, alpha=8))
    trained = list(policy.trainable_parameters())
    assert trained and all(p.dtype == torch.float32 for p in trained)
    frozen = [p for p in policy.model.parameters() if not p.requires_grad]
    assert all(p.dtype == torch.bfloat16 for p in frozen)
    prompts, actions = [[1, 5, 9, 12], [1, 7]], [[20, 21], [22, 23, 24]]
    seen: list[torch.dtype] = []
    hook = policy.model.get_base_model().model.layers[0].mlp.down_proj.register_forward_hook(
        lambda module, inputs, output: seen.append(output.dtype))
    scores = policy.score(prompts, actions)
    hook.remove()
    assert seen == [torch.bfloat16]  # the matmuls ran in bf16 ...
    assert scores.logprobs.dtype == torch.float32  # ... the log-probs in fp32
    trainer = Trainer(policy, AlgorithmOptions(), OptimOptions(lr=1e-2))
    (-scores.logprobs.sum()).backward()
    trainer.optimizer.step()
    state = [s for group in trainer.optimizer.state.values() for s in group.values()
             if isinstance(s, torch.Tensor) and s.dim() > 0]
    assert state and all(s.dtype == torch.float32 for s in state)  # Adam's moments fp32
    fp32 = HFPolicy.from_name("tiny:llama", lora=LoraOptions(r=4, alpha=8))
    with torch.no_grad():  # the same model in fp32: close, not equal (bf16 rounding)
        reference = fp32.score(prompts, actions).logprobs
        again = HFPolicy.from_name("tiny:llama", dtype="bfloat16",
                                   lora=LoraOptions(r=4, alpha=8)).score(prompts, actions)
    difference = (again.logprobs - reference).abs()[again.mask > 0]
    assert 0 < float(difference.max()) < 0.1
