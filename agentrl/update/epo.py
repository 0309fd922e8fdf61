"""EPO: entropy regularisation with a smoothing penalty and a phase weight.

Xu et al. 2025, "EPO: Entropy-regularized Policy Optimization for LLM Agents Reinforcement
Learning", arXiv 2509.22576v2, §3–4, Eqs. 2–6, Algorithm 1, Tables 2–3 (the default,
``variant: paper``), and the authors' code ``WujiangXu/EPO`` (``variant: code``).

Paper (`EPOPaper`). At RL step k (0-based) of K, with H the per-token policy entropy:

- Eq. 2, L_H: per turn the token mean of H, then the mean over the trajectory's turns,
  then over trajectories (``aggregation: trajectory``, the default);
- history: H̄_m = the batch's token-level mean entropy at step m; the reference is one
  scalar, H̄_W = (1/k) Σ_{m<k} H̄_m;
- Eq. 3, per token: P = [κ_l H̄_W − H]_+ + [H − κ_r H̄_W]_+, on every turn;
- Eq. 4, L_smooth: α · P, aggregated as L_H; L_smooth = 0 at k = 0 (no history yet);
- Eq. 5 / Algorithm 1: β_k = 1 + exp(−γ k / k_mid), k_mid = ⌊K/2⌋ (2 → 1.0025 at k = K);
- Eq. 6: L = L_MT − λ (L_H − β_k L_smooth).
Defaults (Tables 2–3, ALFWorld): λ = 0.001, κ_l = 0, κ_r = 2, α = 0.1, γ = 3
(ScienceWorld: α = 0.05). K is ``total_steps``, or the run's ``trainer.iterations`` as the
train loop reports it through progress = (k + 1) / K.

Ambiguity of the paper: Eq. 2 nests means (tokens → turns → trajectories) while its
Appendix C pseudocode takes one token mean over the batch. Eq. 2 is the default;
``aggregation: loss`` aggregates as the policy term, which under the default
``loss_aggregation: token-mean`` is the pseudocode's token mean. Both are computed on the
minibatch a step trains on, whatever its cut into micro-batches and ranks; under
``trajectory`` a minibatch holding part of a trajectory's turns weighs each turn 1 / T_i
(T_i: the trajectory's turns in the batch) and divides by the sum of those weights, which
is the number of trajectories N when it holds the whole batch. H̄_m is the token mean of
every entropy the update computed (all its minibatches, over all ranks).

Authors' code (`EPOCode`, ``variant: code``): one reference per turn index t, H̄_t = mean
over past iterations of that iteration's token-mean entropy at turn t; a token (``mode:
token``) or a turn's mean (``mode: seq``) outside (κ_l H̄_t, κ_r H̄_t) costs α, with no
gradient (a boolean mask; ``hinge: true`` makes it α times the distance, differentiable),
only on turns t ≥ max_turns // 2; the phase weight w(p) (`phase_weight`) falls 1 → 0.04;
defaults κ_l = 0.8, κ_r = 1.2, α = 0.1 from its yaml, aggregated as the policy term. Where
the code is loose this keeps earlier choices: the turn gate is per row, ``seq`` mode
averages real tokens only, a turn index enters the history only when it occurs, and an
iteration's reference holds past iterations only.
"""

from __future__ import annotations

import math
from typing import Any, Literal

import torch

from agentrl.update.entropy import (
    AGGREGATIONS,
    EntropyAggregation,
    TrainingPhase,
    check_options,
    register_entropy,
)

Variant = Literal["paper", "code"]


def phase_beta(iteration: int, total_steps: int, gamma: float = 3.0) -> float:
    """EPO Eq. 5: β_k = 1 + exp(−γ k / k_mid), k_mid = ⌊K/2⌋ (at least 1, so K = 1 works)."""
    k_mid = max(1, total_steps // 2)
    return 1.0 + math.exp(-gamma * iteration / k_mid)


def phase_weight(progress: float) -> float:
    """The authors' code's phase weight w at training progress P ∈ [0, 1].

    First half (P ≤ 0.5), p = 2P:        w = 1 − 0.2 (1 − e^{−2p})   (1 → 0.827)
    Second half (P > 0.5), p = 2P − 1:   w = 0.8 e^{−3p}             (0.8 → 0.8 e^{−3})
    """
    progress = min(max(progress, 0.0), 1.0)
    if progress <= 0.5:
        return 1.0 - 0.2 * (1.0 - math.exp(-2.0 * (2.0 * progress)))
    return 0.8 * math.exp(-3.0 * (2.0 * progress - 1.0))


def hinge_penalty(entropy: torch.Tensor, lower: Any, upper: Any) -> torch.Tensor:
    """EPO Eq. 3: [lower − H]_+ + [H − upper]_+ (differentiable), same shape as ``entropy``."""
    return torch.relu(lower - entropy) + torch.relu(entropy - upper)


def mask_penalty(entropy: torch.Tensor, lower: Any, upper: Any) -> torch.Tensor:
    """The authors' code's penalty: 1 where H is not strictly inside (lower, upper), else 0;
    built from a boolean mask, so it carries no gradient."""
    detached = entropy.detach()
    within = (detached > lower) & (detached < upper)
    return torch.where(within, 0.0, 1.0).to(entropy.dtype)


def _check_common(coef: float, kappa_low: float, kappa_high: float, alpha: float,
                  aggregation: str) -> None:
    if not 0.0 <= kappa_low <= kappa_high:
        raise ValueError(f"epo: need 0 <= kappa_low <= kappa_high, got {kappa_low} and "
                         f"{kappa_high}")
    if coef < 0 or alpha < 0:
        raise ValueError(f"epo: coef and alpha must be >= 0, got {coef} and {alpha}")
    if aggregation not in AGGREGATIONS:
        raise ValueError(f"epo: aggregation={aggregation!r} is not allowed; choose one of: "
                         f"{', '.join(AGGREGATIONS)}")


class EPOPaper:
    """EPO as its paper defines it (Eqs. 2–6, Algorithm 1; see the module docstring)."""

    def __init__(
        self,
        coef: float = 0.001,
        kappa_low: float = 0.0,
        kappa_high: float = 2.0,
        alpha: float = 0.1,
        gamma: float = 3.0,
        total_steps: int | None = None,
        aggregation: EntropyAggregation = "trajectory",
    ) -> None:
        _check_common(coef, kappa_low, kappa_high, alpha, aggregation)
        if total_steps is not None and total_steps < 1:
            raise ValueError(f"epo: total_steps (K) must be >= 1, got {total_steps}")
        self.coef, self.kappa_low, self.kappa_high = coef, kappa_low, kappa_high
        self.alpha, self.gamma, self.total_steps = alpha, gamma, total_steps
        self.aggregation: EntropyAggregation = aggregation
        self.history: list[float] = []  # H̄_m of every past step m

    def reference(self) -> float | None:
        """H̄_W, the mean of the past steps' batch entropies; None before the first."""
        return sum(self.history) / len(self.history) if self.history else None

    def beta(self, phase: TrainingPhase) -> float:
        """β_k at this phase; K from ``total_steps`` or from progress = (k + 1) / K."""
        k = phase.iteration
        if k == 0:
            return 2.0  # exp(0), whatever K
        total = self.total_steps
        if total is None:
            if phase.progress <= 0:
                raise ValueError("epo: β_k needs K, the number of RL steps: set "
                                 "entropy_options.total_steps or pass progress to the update")
            total = round((k + 1) / phase.progress)
        return phase_beta(k, total, self.gamma)

    def token_values(
        self, entropies: torch.Tensor, mask: torch.Tensor, turn_index: torch.Tensor,
        phase: TrainingPhase,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """v = H − β_k α P per token (Eqs. 3, 4, 6); metrics are sums over real tokens."""
        reference = self.reference()
        if reference is None:  # k = 0: L_smooth = 0
            return entropies, {}
        penalty = self.alpha * hinge_penalty(entropies, self.kappa_low * reference,
                                             self.kappa_high * reference)
        mask = mask.to(entropies.dtype)
        with torch.no_grad():
            metrics = {"entropy/smooth_penalty": float((penalty * mask).sum()),
                       "entropy/penalized_frac": float(((penalty > 0) * mask).sum())}
        return entropies - self.beta(phase) * penalty, metrics

    def statistics(self, entropies: torch.Tensor, mask: torch.Tensor,
                   turn_index: torch.Tensor) -> dict[str, float]:
        """This micro-batch's entropy sum and token count, for H̄_k."""
        mask = mask.to(entropies.dtype)
        return {"sum": float((entropies.detach() * mask).sum()), "tokens": float(mask.sum())}

    def end_iteration(self, totals: dict[str, float]) -> dict[str, float]:
        """Append H̄_k = the whole batch's token-mean entropy (``totals`` summed over ranks);
        no metrics."""
        if totals.get("tokens", 0.0) > 0:
            self.history.append(totals["sum"] / totals["tokens"])
        return {}

    def phase_metrics(self, phase: TrainingPhase) -> dict[str, float]:
        """β_k and the reference this step penalises against."""
        return {"entropy/phase_weight": self.beta(phase),
                "entropy/reference": self.reference() or 0.0}

    def state_dict(self) -> dict[str, Any]:
        """The entropy history H̄_0 … H̄_{k−1}."""
        return {"variant": "paper", "history": list(self.history)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()``; a history of the code variant is a clear error."""
        _check_variant(state, "paper")
        self.history = [float(v) for v in state["history"]]


class EPOCode:
    """EPO as the authors' code computes it (``variant: code``; see the module docstring)."""

    def __init__(
        self,
        coef: float = 0.001,
        kappa_low: float = 0.8,
        kappa_high: float = 1.2,
        alpha: float = 0.1,
        max_turns: int = 50,
        mode: Literal["token", "seq"] = "token",
        hinge: bool = False,
        aggregation: EntropyAggregation = "loss",
    ) -> None:
        _check_common(coef, kappa_low, kappa_high, alpha, aggregation)
        if mode not in ("token", "seq"):
            raise ValueError(f"epo: mode={mode!r} is not allowed; choose one of: token, seq")
        self.coef, self.kappa_low, self.kappa_high = coef, kappa_low, kappa_high
        self.alpha, self.max_turns, self.mode, self.hinge = alpha, max_turns, mode, hinge
        self.aggregation: EntropyAggregation = aggregation
        self.history_sum: list[float] = []
        self.history_count: list[int] = []

    def history(self) -> dict[int, float]:
        """H̄_t for every turn index t recorded in a past iteration."""
        pairs = zip(self.history_sum, self.history_count, strict=True)
        return {t: total / count for t, (total, count) in enumerate(pairs) if count}

    def token_values(
        self, entropies: torch.Tensor, mask: torch.Tensor, turn_index: torch.Tensor,
        phase: TrainingPhase,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """v = H − w(p) P per token; metrics are sums over real tokens."""
        mask = mask.to(entropies.dtype)
        penalty = self._penalty_tokens(entropies, mask, [int(t) for t in turn_index.tolist()])
        with torch.no_grad():
            metrics = {"entropy/smooth_penalty": float((penalty * mask).sum()),
                       "entropy/penalized_frac": float(((penalty > 0) * mask).sum())}
        return entropies - phase_weight(phase.progress) * penalty, metrics

    def _penalty_tokens(
        self, entropies: torch.Tensor, mask: torch.Tensor, turns: list[int]
    ) -> torch.Tensor:
        """α · penalty per token [B, L]; zero on rows before max_turns // 2 or without history."""
        history = self.history()
        gate = [t >= self.max_turns // 2 and t in history for t in turns]
        if not any(gate):
            return torch.zeros_like(entropies)
        reference = torch.tensor(
            [history.get(t, 0.0) for t in turns], dtype=entropies.dtype, device=entropies.device
        )
        lower, upper = reference * self.kappa_low, reference * self.kappa_high
        if self.mode == "token":
            values, lower, upper = entropies, lower[:, None], upper[:, None]
        else:
            values = (entropies * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)
        penalty = self.alpha * (hinge_penalty if self.hinge else mask_penalty)(
            values, lower, upper)
        if self.mode == "seq":
            penalty = penalty[:, None].expand_as(entropies)
        rows = torch.tensor(gate, dtype=entropies.dtype, device=entropies.device)
        return penalty * rows[:, None]

    def statistics(self, entropies: torch.Tensor, mask: torch.Tensor,
                   turn_index: torch.Tensor) -> dict[str, float]:
        """Entropy sums and token counts per turn index (keys ``sum/t``, ``tokens/t``)."""
        mask = mask.to(entropies.dtype)
        sums = (entropies.detach() * mask).sum(-1).tolist()
        tokens = mask.sum(-1).tolist()
        totals: dict[str, float] = {}
        for t, total, count in zip(turn_index.tolist(), sums, tokens, strict=True):
            totals[f"sum/{t}"] = totals.get(f"sum/{t}", 0.0) + total
            totals[f"tokens/{t}"] = totals.get(f"tokens/{t}", 0.0) + count
        return totals

    def end_iteration(self, totals: dict[str, float]) -> dict[str, float]:
        """Fold this iteration's token-mean entropy at each turn index into the history."""
        for key, count in totals.items():
            if not key.startswith("tokens/") or count <= 0:
                continue
            t = int(key.removeprefix("tokens/"))
            missing = t + 1 - len(self.history_sum)
            if missing > 0:
                self.history_sum += [0.0] * missing
                self.history_count += [0] * missing
            self.history_sum[t] += totals[f"sum/{t}"] / count
            self.history_count[t] += 1
        return {}

    def phase_metrics(self, phase: TrainingPhase) -> dict[str, float]:
        """The phase weight w(p)."""
        return {"entropy/phase_weight": phase_weight(phase.progress)}

    def state_dict(self) -> dict[str, Any]:
        """The entropy history (per-turn sums of iteration means and their counts)."""
        return {"variant": "code", "history_sum": list(self.history_sum),
                "history_count": list(self.history_count)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore ``state_dict()``; a history of the paper variant is a clear error."""
        _check_variant(state, "code")
        self.history_sum = [float(v) for v in state["history_sum"]]
        self.history_count = [int(v) for v in state["history_count"]]


def _check_variant(state: dict[str, Any], variant: Variant) -> None:
    # checkpoints written before the variants existed hold the code form's history
    saved = state.get("variant", "code" if "history_sum" in state else "paper")
    if saved != variant:
        raise ValueError(f"epo: the checkpoint holds the entropy history of variant {saved!r}, "
                         f"this run uses {variant!r}: set entropy_options.variant: {saved}")


VARIANTS = {"paper": EPOPaper, "code": EPOCode}


@register_entropy("epo")
def make_epo(variant: Variant = "paper", **options: Any) -> EPOPaper | EPOCode:
    """EPO's entropy term, ``variant`` 'paper' (the default) or 'code', with its options;
    an option of the other variant is a clear error."""
    if variant not in VARIANTS:
        raise ValueError(f"epo: variant={variant!r} is not allowed; choose one of: "
                         f"{', '.join(VARIANTS)}")
    check_options(f"entropy term 'epo' (variant {variant!r})", VARIANTS[variant], options)
    return VARIANTS[variant](**options)
