"""Off-policy correction for stale samples: the decoupled PPO objective with a proximal
policy (AReaL: Fu et al. 2025, "AReaL: A Large-Scale Asynchronous Reinforcement Learning
System for Language Reasoning", arXiv 2505.24298, §5.2, Eq. 5).

In asynchronous training a turn's tokens were drawn by the behaviour policy π_behav (the
sampler's weights, up to ``trainer.max_staleness`` versions old; its log-probs are the
turn's ``action_logprobs``). Standard PPO would clip π_θ / π_behav, a ratio that starts far
from 1 for stale samples, so most of their gradient is clipped away. The decoupled objective
separates the two roles of π_old: the importance weight corrects from π_behav to a proximal
policy π_prox (the trainer's weights at the start of the update, scored once before it:
the trainer's ``trainer_logprobs``), and the trust region is taken around π_prox:

    J(θ) = E_{a ~ π_behav} [ Σ_t  π_prox(a_t) / π_behav(a_t)
                               · min( u_t Â_t, clip(u_t, 1 − ε, 1 + ε) Â_t ) ],
    u_t = π_θ(a_t) / π_prox(a_t).

The weight π_prox / π_behav is held constant (no gradient). The paper's weight is not
truncated; ``cap`` (``algorithm.rollout_correction_clip``; AReaL's implementation calls it
``behav_imp_weight_cap``) is a named deviation: a token whose weight exceeds it is dropped
from the loss (weight 0), not truncated. With fresh samples π_behav = π_prox up to float
error, the weight is 1 and this is PPO.

The trainer applies it as a rollout correction (``algorithm.rollout_correction:
decoupled``, `agentrl.update.rollout_correction`): π_old in the clipped term is π_prox, and
each token's term is scaled by the weight (`agentrl.update.loss.clipped_policy_terms`).
"""

from __future__ import annotations

import torch


def decoupled_weights(prox_logprobs: torch.Tensor, behav_logprobs: torch.Tensor,
                      mask: torch.Tensor, cap: float | None = None) -> torch.Tensor:
    """π_prox(a_t) / π_behav(a_t) per token [B, L], no gradient; 0 on padding and, with
    ``cap``, on tokens whose weight exceeds it (dropped from the loss)."""
    weights = torch.exp((prox_logprobs - behav_logprobs).detach() * mask) * mask
    if cap is not None:
        weights = torch.where(weights > cap, torch.zeros_like(weights), weights)
    return weights


def decoupled_metrics(weights: torch.Tensor, mask: torch.Tensor) -> dict[str, float]:
    """Sums over action tokens (the trainer divides by the token count): the importance
    weight π_prox / π_behav (``train/tis_weight``) and whether the cap dropped the token
    (``train/tis_clipfrac``: its weight is 0 on a real token)."""
    return {"train/tis_weight": float((weights * mask).sum()),
            "train/tis_clipfrac": float(((weights == 0) * mask).sum())}
