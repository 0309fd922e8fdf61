"""The clipped policy loss, the k3 KL and loss aggregation, on hand-computed toy batches."""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.update.loss import aggregate, clipped_policy_terms

LOG_RATIOS = [math.log(1.5), math.log(0.5), 0.0]


def _toy_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    old = torch.tensor([[-1.0, -2.0, -3.0], [-0.5, -1.5, -2.5]])
    logprobs = old + torch.tensor([LOG_RATIOS, LOG_RATIOS])
    advantages = torch.tensor([[1.0], [-1.0]])
    return logprobs, old, advantages


def test_clipped_policy_terms_by_hand() -> None:
    logprobs, old, advantages = _toy_batch()
    terms = clipped_policy_terms(logprobs, old, advantages, clip_low=0.2, clip_high=0.28)
    # A=+1: ratio 1.5 → max(-1.5, -1.28) = -1.28 (clipped); ratio 0.5 → max(-0.5, -0.8) =
    # -0.5; ratio 1 → -1.  A=-1: ratio 1.5 → max(1.5, 1.28) = 1.5; ratio 0.5 → max(0.5, 0.8)
    # = 0.8 (clipped); ratio 1 → 1.
    torch.testing.assert_close(terms.policy, torch.tensor([[-1.28, -0.5, -1.0], [1.5, 0.8, 1.0]]))
    assert terms.clipped.tolist() == [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    torch.testing.assert_close(terms.log_ratio, torch.tensor([LOG_RATIOS, LOG_RATIOS]))
    assert terms.kl.tolist() == [[0.0] * 3, [0.0] * 3]  # no reference given


def test_symmetric_clip_caps_the_positive_side_at_1_2() -> None:
    logprobs, old, advantages = _toy_batch()
    terms = clipped_policy_terms(logprobs, old, advantages, clip_low=0.2, clip_high=0.2)
    assert terms.policy[0, 0].item() == pytest.approx(-1.2)


def test_k3_kl_by_hand() -> None:
    logprobs = torch.tensor([[-1.0, -2.0, -3.0]])
    ref = logprobs + torch.tensor([[math.log(2.0), 0.0, -math.log(2.0)]])
    terms = clipped_policy_terms(logprobs, logprobs, torch.zeros(1, 1), ref_logprobs=ref)
    # k3 = e^δ − δ − 1 with δ = log π_ref − log π_θ:
    # δ = log 2 → 2 − 0.693147 − 1 = 0.306853; δ = 0 → 0; δ = −log 2 → 0.5 + 0.693147 − 1.
    torch.testing.assert_close(terms.kl, torch.tensor([[0.306853, 0.0, 0.193147]]),
                               atol=1e-6, rtol=0)


VALUES = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
MASK = torch.tensor([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0]])


def test_aggregate_token_mean() -> None:
    assert aggregate(VALUES, MASK, "token-mean", normalizer=3).item() == pytest.approx(7 / 3)


def test_aggregate_sequence_mean_of_token_means() -> None:
    # ((1 + 2) / 2 + 4 / 1) / 2 = 2.75
    assert aggregate(VALUES, MASK, "seq-mean-token-mean", normalizer=2).item() == 2.75


def test_aggregate_sequence_mean_of_token_sums() -> None:
    # ((1 + 2) + 4) / 2 = 3.5
    assert aggregate(VALUES, MASK, "seq-mean-token-sum", normalizer=2).item() == 3.5


@pytest.mark.parametrize("mode", ["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"])
def test_micro_batches_accumulate_to_the_full_batch_gradient(mode: str) -> None:
    torch.manual_seed(0)
    logits = torch.randn(4, 5, requires_grad=True)
    old = torch.randn(4, 5)
    advantages = torch.tensor([[1.0], [-0.5], [2.0], [-1.0]])
    mask = torch.tensor([[1, 1, 1, 1, 1], [0, 0, 1, 1, 1], [0, 0, 0, 0, 1], [0, 1, 1, 1, 1.0]])
    normalizer = float(mask.sum()) if mode == "token-mean" else 4.0

    def loss(rows: slice) -> torch.Tensor:
        terms = clipped_policy_terms(torch.log_softmax(logits[rows], -1), old[rows],
                                     advantages[rows])
        return aggregate(terms.policy, mask[rows], mode, normalizer)

    full = torch.autograd.grad(loss(slice(0, 4)), logits)[0]
    micro = (torch.autograd.grad(loss(slice(0, 1)), logits)[0]
             + torch.autograd.grad(loss(slice(1, 4)), logits)[0])
    torch.testing.assert_close(micro, full)
