"""The decoupled PPO objective (AReaL, arXiv 2505.24298, Eq. 5), computed by hand:
J_t = π_prox/π_behav · min(u Â, clip(u, 1 − ε, 1 + ε) Â), u = π_θ/π_prox; loss = −J."""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.update.loss import clipped_policy_terms
from agentrl.update.offpolicy import decoupled_metrics, decoupled_weights
from agentrl.update.rollout_correction import tis_weights, weight_metrics

LOG = math.log


def test_weights_are_prox_over_behaviour_untruncated_and_zero_on_padding() -> None:
    prox = torch.tensor([[LOG(0.5), LOG(0.5), 0.0]])
    behav = torch.tensor([[LOG(0.25), LOG(0.1), 0.0]])
    mask = torch.tensor([[1.0, 1.0, 0.0]])
    weights = decoupled_weights(prox, behav, mask)
    assert weights.tolist()[0] == pytest.approx([2.0, 5.0, 0.0])  # 0.5/0.25, 0.5/0.1
    # the same through the trainer's rollout-correction dispatch (token_tis would cut at 2)
    assert tis_weights(prox, behav, mask, "decoupled").tolist()[0] == pytest.approx(
        [2.0, 5.0, 0.0])
    assert tis_weights(prox, behav, mask, "token_tis").tolist()[0] == pytest.approx(
        [2.0, 2.0, 0.0])


def test_a_cap_drops_the_tokens_above_it() -> None:
    prox = torch.tensor([[LOG(0.5), LOG(0.5)]])
    behav = torch.tensor([[LOG(0.25), LOG(0.1)]])
    mask = torch.ones(1, 2)
    weights = decoupled_weights(prox, behav, mask, cap=3.0)
    assert weights.tolist()[0] == pytest.approx([2.0, 0.0])  # 5 > 3: dropped, not cut to 3
    metrics = decoupled_metrics(weights, mask)
    assert metrics == {"train/tis_weight": pytest.approx(2.0), "train/tis_clipfrac": 1.0}
    assert weight_metrics(weights, mask, "decoupled", 3.0) == metrics


def test_the_objective_per_token_by_hand() -> None:
    # token 1: π_θ .6, π_prox .5, π_behav .25, Â = +1: u = 1.2 (inside 1 ± .2), w = 2,
    #   J = 2 · min(1.2, 1.2) = 2.4; dJ/dlogπ_θ = w Â u = 2.4
    # token 2: π_θ .8, π_prox .5, π_behav .25, Â = +1: u = 1.6, clipped to 1.2,
    #   J = 2 · min(1.6, 1.2) = 2.4, no gradient
    # token 3: π_θ .3, π_prox .5, π_behav 1.0, Â = −1: u = .6, clip .8, w = .5,
    #   J = .5 · min(−.6, −.8) = −.4, no gradient (the clipped term is the smaller)
    logp = torch.tensor([[LOG(0.6), LOG(0.8), LOG(0.3)]], requires_grad=True)
    prox = torch.tensor([[LOG(0.5), LOG(0.5), LOG(0.5)]])
    behav = torch.tensor([[LOG(0.25), LOG(0.25), LOG(1.0)]])
    advantages = torch.tensor([[1.0, 1.0, -1.0]])
    mask = torch.ones(1, 3)
    weights = decoupled_weights(prox, behav, mask)
    terms = clipped_policy_terms(logp, prox, advantages, clip_low=0.2, clip_high=0.2,
                                 weights=weights)
    assert terms.policy.tolist()[0] == pytest.approx([-2.4, -2.4, 0.4])
    assert terms.clipped.tolist()[0] == [0.0, 1.0, 1.0]
    terms.policy.sum().backward()
    assert logp.grad.tolist()[0] == pytest.approx([-2.4, 0.0, 0.0])


def test_fresh_samples_make_it_ppo() -> None:
    logp = torch.tensor([[LOG(0.7), LOG(0.2)]])
    prox = torch.tensor([[LOG(0.6), LOG(0.3)]])
    advantages = torch.tensor([[0.5, -2.0]])
    mask = torch.ones(1, 2)
    decoupled = clipped_policy_terms(logp, prox, advantages,
                                     weights=decoupled_weights(prox, prox, mask))
    plain = clipped_policy_terms(logp, prox, advantages)
    assert torch.equal(decoupled.policy, plain.policy)
