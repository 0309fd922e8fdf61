"""Entropy terms of the policy loss: a plain entropy bonus, and EPO's smoothed, phase-weighted one.

Xu et al. 2025, "EPO: Entropy-regularized Policy Optimization for LLM Agents Reinforcement
Learning" (arXiv 2509.22576), read in the authors' code (``WujiangXu/EPO``,
``verl/workers/actor/dp_actor.py`` and ``verl/trainer/ppo/ray_trainer.py``). The loss is

    L = L_policy − coef · ( H − β · w(p) · P_smooth )

- H: token-mean entropy over every response token of every turn in the batch (the
  paper's trajectory-level entropy regularisation);
- P_smooth: the entropy smoothing regulariser. For each turn index t the history
  H̄_t = plain mean, over all past iterations, of that iteration's token-mean entropy at
  turn t. A token (``mode="token"``) or a turn's mean entropy (``mode="seq"``) outside the
  band [min_ratio · H̄_t, max_ratio · H̄_t] is penalised, only on turns t ≥ max_turns // 2;
- w(p): the adaptive phase weight (``phase_weight``), p the training progress;
- β: ``smooth_coef`` (the code's ``entropy_smooth_coeff``, 1.0 there).

The band penalty has two forms. Default (``differentiable=True``): a hinge,
κ · (relu(lo − H) + relu(H − hi)) with κ = ``out_range_penalty``, so tokens outside the band
receive a gradient pulling their entropy back towards it. ``differentiable=False`` is the
code's form: κ · 1[H outside (lo, hi)], built from a boolean mask — it changes the loss
value but carries no gradient.

Choices where the code is loose (documented deviations): the turn gate is per row
(the code switches the penalty on for a whole micro-batch when any row qualifies); ``seq``
mode averages over real tokens only (the code includes padding); a turn index is recorded
only when it occurs (the code pads the per-iteration list with zeros); and the history used
during an iteration holds past iterations only (the code appends the current one first), so
the first iteration has no band and no penalty.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch


def phase_weight(progress: float) -> float:
    """EPO's adaptive phase weight w at training progress P ∈ [0, 1].

    First half (P ≤ 0.5), p = 2P:        w = 1 − 0.2 (1 − e^{−2p})   (1 → 0.827)
    Second half (P > 0.5), p = 2P − 1:   w = 0.8 e^{−3p}             (0.8 → 0.8 e^{−3})
    """
    progress = min(max(progress, 0.0), 1.0)
    if progress <= 0.5:
        return 1.0 - 0.2 * (1.0 - math.exp(-2.0 * (2.0 * progress)))
    return 0.8 * math.exp(-3.0 * (2.0 * progress - 1.0))


def band_penalty(
    entropy: torch.Tensor,
    lower: torch.Tensor,
    upper: torch.Tensor,
    out_range_penalty: float,
    *,
    differentiable: bool = True,
) -> torch.Tensor:
    """Penalty of each entropy value against the band (lower, upper), same shape as ``entropy``.

    Hinge (default): κ · (relu(lower − H) + relu(H − upper)). Code form: κ where H is not
    strictly inside the band, else 0, with no gradient.
    """
    if differentiable:
        outside = torch.relu(lower - entropy) + torch.relu(entropy - upper)
        return out_range_penalty * outside
    detached = entropy.detach()
    within = (detached > lower) & (detached < upper)
    return torch.where(within, 0.0, out_range_penalty).to(entropy.dtype)


def _token_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


class PlainEntropy:
    """Plain entropy bonus: coef · token-mean entropy over all response tokens."""

    def __init__(self, coef: float = 0.001) -> None:
        self.coef = coef

    def __call__(
        self,
        entropies: torch.Tensor,
        mask: torch.Tensor,
        turn_index: torch.Tensor,
        progress: float,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """(bonus to subtract from the loss, metrics); ``turn_index``/``progress`` unused."""
        mean = _token_mean(entropies, mask.to(entropies.dtype))
        return self.coef * mean, {"entropy/mean": mean.item()}

    def end_iteration(self) -> None:
        """Nothing to fold: the plain bonus keeps no history."""

    def state_dict(self) -> dict[str, Any]:
        """No state."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """No state."""


class EPORegularizer:
    """EPO's entropy bonus with the smoothing regulariser (see the module docstring).

    Defaults follow the code's config (0.8 / 1.2 / 0.1); the paper's ALFWorld runs use
    min_ratio=0, max_ratio=2.0, out_range_penalty=0.1 (ScienceWorld: 0.05). Pass the env's
    ``spec.max_turns`` as ``max_turns`` (the code's default is 50).
    """

    def __init__(
        self,
        coef: float = 0.001,
        min_ratio: float = 0.8,
        max_ratio: float = 1.2,
        out_range_penalty: float = 0.1,
        mode: Literal["token", "seq"] = "token",
        differentiable: bool = True,
        max_turns: int = 50,
        smooth_coef: float = 1.0,
        phase_weights: bool = True,
    ) -> None:
        if mode not in ("token", "seq"):
            raise ValueError(f"epo: mode={mode!r} is not allowed; choose one of: token, seq")
        if not 0.0 <= min_ratio <= max_ratio:
            raise ValueError(
                f"epo: need 0 <= min_ratio <= max_ratio, got {min_ratio} and {max_ratio}"
            )
        self.coef, self.min_ratio, self.max_ratio = coef, min_ratio, max_ratio
        self.out_range_penalty, self.mode = out_range_penalty, mode
        self.differentiable, self.max_turns = differentiable, max_turns
        self.smooth_coef, self.phase_weights = smooth_coef, phase_weights
        self.history_sum: list[float] = []
        self.history_count: list[int] = []
        self._iteration_sum: dict[int, float] = {}
        self._iteration_tokens: dict[int, float] = {}

    def history(self) -> dict[int, float]:
        """H̄_t for every turn index t recorded in a past iteration."""
        pairs = zip(self.history_sum, self.history_count, strict=True)
        return {t: total / count for t, (total, count) in enumerate(pairs) if count}

    def __call__(
        self,
        entropies: torch.Tensor,
        mask: torch.Tensor,
        turn_index: torch.Tensor,
        progress: float,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """(bonus = coef · (H − β w P_smooth), metrics); also records this batch's entropies."""
        mask = mask.to(entropies.dtype)
        turns = [int(t) for t in turn_index.tolist()]
        self._record(entropies.detach(), mask, turns)
        mean = _token_mean(entropies, mask)
        penalty_tokens = self._penalty_tokens(entropies, mask, turns)
        penalty = _token_mean(penalty_tokens, mask)
        weight = phase_weight(progress) if self.phase_weights else 1.0
        bonus = self.coef * (mean - self.smooth_coef * weight * penalty)
        penalized = _token_mean((penalty_tokens.detach() > 0).to(mask.dtype), mask)
        return bonus, {
            "entropy/mean": mean.item(),
            "entropy/smooth_penalty": penalty.item(),
            "entropy/phase_weight": weight,
            "entropy/penalized_frac": penalized.item(),
        }

    def _penalty_tokens(
        self, entropies: torch.Tensor, mask: torch.Tensor, turns: list[int]
    ) -> torch.Tensor:
        """P_smooth per token [B, L]; zero on rows before max_turns // 2 or without history."""
        history = self.history()
        gate = [t >= self.max_turns // 2 and t in history for t in turns]
        if not any(gate):
            return torch.zeros_like(entropies)
        reference = torch.tensor(
            [history.get(t, 0.0) for t in turns], dtype=entropies.dtype, device=entropies.device
        )
        lower, upper = reference * self.min_ratio, reference * self.max_ratio
        if self.mode == "token":
            values, lower, upper = entropies, lower[:, None], upper[:, None]
        else:
            values = (entropies * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)
        penalty = band_penalty(
            values, lower, upper, self.out_range_penalty, differentiable=self.differentiable
        )
        if self.mode == "seq":
            penalty = penalty[:, None].expand_as(entropies)
        rows = torch.tensor(gate, dtype=entropies.dtype, device=entropies.device)
        return penalty * rows[:, None]

    def _record(self, entropies: torch.Tensor, mask: torch.Tensor, turns: list[int]) -> None:
        sums = (entropies * mask).sum(-1).tolist()
        tokens = mask.sum(-1).tolist()
        for t, total, count in zip(turns, sums, tokens, strict=True):
            self._iteration_sum[t] = self._iteration_sum.get(t, 0.0) + total
            self._iteration_tokens[t] = self._iteration_tokens.get(t, 0.0) + count

    def end_iteration(self) -> None:
        """Fold this iteration's token-mean entropy at each turn index into the history."""
        for t, total in self._iteration_sum.items():
            count = self._iteration_tokens[t]
            if count <= 0:
                continue
            missing = t + 1 - len(self.history_sum)
            if missing > 0:
                self.history_sum += [0.0] * missing
                self.history_count += [0] * missing
            self.history_sum[t] += total / count
            self.history_count[t] += 1
        self._iteration_sum, self._iteration_tokens = {}, {}

    def state_dict(self) -> dict[str, Any]:
        """The entropy history (per-turn sums of iteration means and their counts)."""
        return {"history_sum": list(self.history_sum), "history_count": list(self.history_count)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore the history from ``state_dict()``."""
        self.history_sum = [float(v) for v in state["history_sum"]]
        self.history_count = [int(v) for v in state["history_count"]]
        self._iteration_sum, self._iteration_tokens = {}, {}
