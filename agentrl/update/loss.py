"""Token-level clipped policy loss, KL to a reference, and loss aggregation.

PPO clip (Schulman et al. 2017, eq. 7), per action token t of a turn with advantage Â:
    ρ_t = exp(log π_θ(a_t) − log π_old(a_t))
    L_t = max(−Â ρ_t, −Â clip(ρ_t, 1 − ε_low, 1 + ε_high))
With a rollout correction each token's term is scaled by its truncated importance weight
w_t (`agentrl.update.rollout_correction`): L_t ← w_t · L_t.
KL to the reference, the k3 estimator (Schulman 2020, "Approximating KL divergence"):
    KL_t = exp(log π_ref − log π_θ) − (log π_ref − log π_θ) − 1

Every aggregation is a sum over rows divided by a count of the whole minibatch, so the
micro-batches (and ranks) of a minibatch add up to exactly its loss, however it is cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from agentrl.update.options import LossAggregation


@dataclass
class PolicyLossTerms:
    """Per-token terms of one micro-batch, [B, L], before aggregation."""

    policy: torch.Tensor
    kl: torch.Tensor
    clipped: torch.Tensor
    log_ratio: torch.Tensor


def clipped_policy_terms(
    logprobs: torch.Tensor,
    old_logprobs: torch.Tensor,
    advantages: torch.Tensor,
    *,
    clip_low: float = 0.2,
    clip_high: float = 0.2,
    ref_logprobs: torch.Tensor | None = None,
    weights: torch.Tensor | None = None,
) -> PolicyLossTerms:
    """PPO-clip and k3-KL per token; ``advantages`` is [B, 1] or [B, L]; ``weights`` [B, L]
    (no gradient) scale the policy term, e.g. truncated importance weights."""
    log_ratio = logprobs - old_logprobs
    ratio = torch.exp(log_ratio)
    unclipped = -advantages * ratio
    clipped = -advantages * torch.clamp(ratio, 1.0 - clip_low, 1.0 + clip_high)
    policy = torch.maximum(unclipped, clipped)
    if weights is not None:
        policy = policy * weights
    if ref_logprobs is None:
        kl = torch.zeros_like(logprobs)
    else:
        delta = ref_logprobs - logprobs
        kl = torch.exp(delta) - delta - 1.0
    return PolicyLossTerms(policy, kl, (clipped > unclipped).float(), log_ratio)


def aggregate(
    values: torch.Tensor, mask: torch.Tensor, mode: LossAggregation, normalizer: float
) -> torch.Tensor:
    """Reduce per-token ``values`` [B, L] to a scalar.

    ``normalizer`` is the whole minibatch's count (tokens for 'token-mean', sequences
    otherwise), so micro-batches accumulate gradients to exactly the minibatch's loss.
    """
    masked = values * mask
    if mode == "token-mean":
        return masked.sum() / normalizer
    per_sequence = masked.sum(-1)
    if mode == "seq-mean-token-mean":
        per_sequence = per_sequence / mask.sum(-1).clamp(min=1.0)
    return per_sequence.sum() / normalizer


def aggregate_turns(
    values: torch.Tensor, mask: torch.Tensor, row_weights: torch.Tensor, normalizer: float
) -> torch.Tensor:
    """Σ_rows w_row · (token mean of the row's ``values``) / ``normalizer``.

    With w = 1 / T_i (T_i: the turns of row's trajectory i) and ``normalizer`` the
    minibatch's Σ w (its number of trajectories when it holds them whole), this is EPO's
    Eq. 2 nesting: the token mean per turn, the mean over a trajectory's turns, the mean
    over trajectories.
    """
    per_turn = (values * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)
    return (per_turn * row_weights.to(per_turn.dtype)).sum() / normalizer
