"""``algorithm.rollout_correction: auto``: token_tis when the policy computes in bf16 / fp16
(its rollout / trainer log-prob gap), none in fp32."""

from __future__ import annotations

import pytest

from agentrl.policy.hf import HFPolicy
from agentrl.update.options import AlgorithmOptions, OptimOptions, resolve_rollout_correction
from agentrl.update.trainer import Trainer


@pytest.mark.parametrize(("dtype", "expected"), [
    ("bfloat16", "token_tis"), ("float16", "token_tis"), ("float32", "none"),
])
def test_auto_resolves_by_the_policy_dtype(dtype: str, expected: str) -> None:
    assert AlgorithmOptions().rollout_correction == "auto"  # the default
    assert resolve_rollout_correction(AlgorithmOptions(), dtype).rollout_correction == expected


def test_a_named_correction_or_no_measurement_is_kept_as_asked() -> None:
    named = AlgorithmOptions(rollout_correction="none")
    assert resolve_rollout_correction(named, "bfloat16").rollout_correction == "none"
    seq = AlgorithmOptions(rollout_correction="seq_tis")
    assert resolve_rollout_correction(seq, "float32").rollout_correction == "seq_tis"
    unmeasured = AlgorithmOptions(measure_rollout_mismatch=False)  # auto cannot correct then
    assert resolve_rollout_correction(unmeasured, "bfloat16").rollout_correction == "none"


@pytest.mark.parametrize(("dtype", "expected"), [("bfloat16", "token_tis"), ("float32", "none")])
def test_the_trainer_resolves_auto_from_its_policy(dtype: str, expected: str) -> None:
    policy = HFPolicy.from_name("tiny:llama", dtype=dtype)
    trainer = Trainer(policy, AlgorithmOptions(), OptimOptions())
    assert trainer.algorithm.rollout_correction == expected
    assert trainer._mismatch_needs_own_pass() == (expected != "none")
