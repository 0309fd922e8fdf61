"""Truncated importance sampling weights and mismatch metrics, computed by hand."""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.update.loss import clipped_policy_terms
from agentrl.update.rollout_correction import mismatch_metrics, tis_weights, weight_metrics
from agentrl.update.trainer import AlgorithmOptions

# Two turns, right-aligned: row 0 has 3 action tokens, row 1 has 2 (one pad on the left).
TRAINER = torch.tensor([[-1.0, -2.0, -0.5], [0.0, -1.0, -3.0]])
ROLLOUT = torch.tensor([[-1.5, -1.0, -0.5], [0.0, -2.0, -2.0]])
MASK = torch.tensor([[1.0, 1.0, 1.0], [0.0, 1.0, 1.0]])


def test_token_tis_is_the_clipped_per_token_ratio() -> None:
    weights = tis_weights(TRAINER, ROLLOUT, MASK, "token_tis")
    # log ratios: row 0: 0.5, -1, 0; row 1: (pad), 1, -1; e^1 = 2.718 is cut at C = 2
    expected = torch.tensor([[math.exp(0.5), math.exp(-1.0), 1.0],
                             [0.0, 2.0, math.exp(-1.0)]])
    torch.testing.assert_close(weights, expected)


def test_seq_tis_is_the_clipped_product_over_the_turn() -> None:
    weights = tis_weights(TRAINER, ROLLOUT, MASK, "seq_tis")
    # row 0: e^(0.5 - 1 + 0) = e^-0.5; row 1: e^(1 - 1) = 1 (the pad's values do not count)
    expected = torch.tensor([[math.exp(-0.5)] * 3, [0.0, 1.0, 1.0]])
    torch.testing.assert_close(weights, expected)
    loud = tis_weights(TRAINER + torch.tensor([[1.0, 1.0, 0.0], [0, 0, 0]]), ROLLOUT, MASK,
                       "seq_tis")
    assert loud[0, 0] == pytest.approx(math.exp(1.5))  # under C = 5
    capped = tis_weights(TRAINER, ROLLOUT - 2.0, MASK, "seq_tis")
    assert capped[0].tolist() == [5.0, 5.0, 5.0]  # e^(−0.5 + 6) > 5: cut at C


def test_explicit_clip_and_none_mode() -> None:
    weights = tis_weights(TRAINER, ROLLOUT, MASK, "token_tis", clip=1.2)
    assert weights.max() == pytest.approx(1.2)
    assert tis_weights(TRAINER, ROLLOUT, MASK, "none").equal(MASK)


def test_weights_carry_no_gradient_and_scale_the_policy_term() -> None:
    logprobs = TRAINER.clone().requires_grad_(True)
    weights = tis_weights(logprobs, ROLLOUT, MASK, "token_tis")
    assert not weights.requires_grad
    advantages = torch.tensor([[1.0], [-1.0]])
    plain = clipped_policy_terms(logprobs, TRAINER, advantages)
    weighted = clipped_policy_terms(logprobs, TRAINER, advantages, weights=weights)
    torch.testing.assert_close(weighted.policy, plain.policy * weights)
    # at ρ = 1 the PPO term is −Â: −w·Â per token
    torch.testing.assert_close(weighted.policy, -advantages * weights)


def test_mismatch_metrics_are_mean_and_max_absolute_differences() -> None:
    metrics = mismatch_metrics([[-1.0, -2.0], [-0.5]], [[-1.5, -2.0], [-0.25]])
    assert metrics["train/rollout_logprob_diff_mean"] == pytest.approx((0.5 + 0 + 0.25) / 3)
    assert metrics["train/rollout_logprob_diff_max"] == pytest.approx(0.5)
    assert mismatch_metrics([], []) == {}


def test_weight_metrics_count_truncated_tokens() -> None:
    weights = tis_weights(TRAINER, ROLLOUT, MASK, "token_tis")
    metrics = weight_metrics(weights, MASK, "token_tis")
    assert metrics["train/tis_clipfrac"] == 1.0  # one of 5 tokens; the trainer divides by 5
    assert metrics["train/tis_weight"] == pytest.approx(float(weights.sum()))
    assert weight_metrics(weights, MASK, "none") == {}


def test_correction_without_measurement_is_refused() -> None:
    with pytest.raises(ValueError, match="measure_rollout_mismatch"):
        AlgorithmOptions(rollout_correction="seq_tis", measure_rollout_mismatch=False)
