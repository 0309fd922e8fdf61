"""Rollout / training mismatch: how far the sampler's log-probs are from the trainer's, and
truncated importance sampling (TIS) to correct the policy gradient for it.

The sampler (vLLM's kernels, another dtype, or stale weights after a skipped sync) draws
action tokens from π_rollout; the trainer's model at the same weights gives π_old. The
PPO ratio should compare π_θ with π_old, and the samples, drawn from π_rollout, need the
importance weight π_old / π_rollout. Truncated, as in Yao et al. 2025 ("Your efficient RL
framework secretly brings you off-policy RL training"), verl's
``algorithm.rollout_correction``, SkyRL's ``off_policy_correction`` and TRL's
``vllm_importance_sampling_correction``, the policy loss of token t becomes

    L_t = w_t · max(−Â ρ_t, −Â clip(ρ_t, 1 − ε_low, 1 + ε_high)),   ρ_t = π_θ(a_t) / π_old(a_t)

    token_tis:  w_t = min(π_old(a_t) / π_rollout(a_t), C)                  (C = 2 by default)
    seq_tis:    w_t = min(∏_{s ∈ turn} π_old(a_s) / π_rollout(a_s), C)      (C = 5 by default)

with the weights held constant (no gradient). ``seq_tis`` uses one weight per turn (the
product over the turn's action tokens), the sequence-level weight of those frameworks with
one agent turn as the sequence. The mismatch itself is logged every update as
``train/rollout_logprob_diff_mean`` / ``_max``: mean and max over action tokens of
|log π_old − log π_rollout|; ~1e-6 when the sampler has the trainer's weights, larger
when a sync is missing.
"""

from __future__ import annotations

import torch

from agentrl.update.offpolicy import decoupled_metrics, decoupled_weights
from agentrl.update.options import RolloutCorrection

DEFAULT_CLIP = {"token_tis": 2.0, "seq_tis": 5.0}  # verl / SkyRL defaults


def tis_weights(
    trainer_logprobs: torch.Tensor, rollout_logprobs: torch.Tensor, mask: torch.Tensor,
    mode: RolloutCorrection, clip: float | None = None,
) -> torch.Tensor:
    """Truncated importance weights [B, L] (see the module docstring); 1 where ``mode`` is
    'none', 0 on padding. ``clip`` is C (None: `DEFAULT_CLIP` of the mode)."""
    if mode == "none":
        return mask.clone()
    if mode == "decoupled":  # AReaL's proximal-policy weights (`agentrl.update.offpolicy`)
        return decoupled_weights(trainer_logprobs, rollout_logprobs, mask, clip)
    cap = DEFAULT_CLIP[mode] if clip is None else clip
    log_ratio = (trainer_logprobs - rollout_logprobs).detach() * mask
    if mode == "seq_tis":
        log_ratio = log_ratio.sum(-1, keepdim=True).expand_as(mask)
    return torch.exp(log_ratio).clamp(max=cap) * mask


def mismatch_metrics(
    trainer_logprobs: list[list[float]], rollout_logprobs: list[list[float]]
) -> dict[str, float]:
    """``train/rollout_logprob_diff_mean`` / ``_max`` over all action tokens of the batch."""
    diffs = torch.cat([
        (torch.tensor(ours, dtype=torch.float64) - torch.tensor(theirs, dtype=torch.float64)
         ).abs()
        for ours, theirs in zip(trainer_logprobs, rollout_logprobs, strict=True)
    ] or [torch.zeros(0, dtype=torch.float64)])
    if diffs.numel() == 0:
        return {}
    return {"train/rollout_logprob_diff_mean": float(diffs.mean()),
            "train/rollout_logprob_diff_max": float(diffs.max())}


def weight_metrics(weights: torch.Tensor, mask: torch.Tensor, mode: RolloutCorrection,
                   clip: float | None = None) -> dict[str, float]:
    """Sums over action tokens (the trainer divides by the token count): the TIS weight
    (``train/tis_weight``) and whether it was truncated at C (``train/tis_clipfrac``)."""
    if mode == "none":
        return {}
    if mode == "decoupled":
        return decoupled_metrics(weights, mask)
    cap = DEFAULT_CLIP[mode] if clip is None else clip
    return {"train/tis_weight": float((weights * mask).sum()),
            "train/tis_clipfrac": float(((weights >= cap) * mask).sum())}
