"""How well an estimator's per-turn advantages track the Monte-Carlo truth Â^MC.

Per estimator, over the turns of the batch's non-errored trajectories:
- Pearson r and Spearman ρ (Pearson of average ranks) between Â and Â^MC;
- sign agreement: among turns with Â^MC ≠ 0, the fraction with Â · Â^MC > 0 (an estimate
  of 0 does not agree);
- projection E[Â · Â^MC]: the first-order gain in expected return of a unit step along
  the estimator's advantages; unlike the correlations it grows with the advantage
  magnitude, which the RMS-matched GRPO control calibrates;
- the same restricted to turns of groups with mixed outcomes;
- 95 % bootstrap intervals, resampling whole groups (turns of a group are not independent).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r; NaN when either side is constant."""
    if x.size < 2 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return float("nan")
    return float(np.corrcoef(x, y)[0, 1])


def ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks (ties share the mean of their positions), 0-based."""
    order = np.argsort(x, kind="stable")
    sorted_x = x[order]
    starts = np.concatenate(([True], sorted_x[1:] != sorted_x[:-1]))
    tie_id = np.cumsum(starts) - 1
    first = np.flatnonzero(starts)
    last = np.concatenate((first[1:], [x.size])) - 1
    out = np.empty(x.size)
    out[order] = ((first + last) / 2.0)[tie_id]
    return out


def spearman(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's ρ: Pearson's r of the average ranks."""
    return pearson(ranks(x), ranks(y))


def sign_agreement(estimate: np.ndarray, truth: np.ndarray, tol: float = 1e-12) -> float:
    """Fraction of turns with truth ≠ 0 where estimate · truth > 0; NaN without such turns."""
    decided = np.abs(truth) > tol
    if not decided.any():
        return float("nan")
    return float(np.mean(estimate[decided] * truth[decided] > 0))


def projection(estimate: np.ndarray, truth: np.ndarray) -> float:
    """E[Â · Â^MC] over the turns."""
    return float(np.mean(estimate * truth)) if estimate.size else float("nan")


METRICS = {"pearson": pearson, "spearman": spearman, "sign": sign_agreement,
           "projection": projection}


@dataclass
class Interval:
    """A point estimate with its 95 % bootstrap interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        if np.isnan(self.value):
            return "–"
        return f"{self.value:+.2f} [{self.low:+.2f}, {self.high:+.2f}]"


def bootstrap(metric: str, estimate: np.ndarray, truth: np.ndarray, groups: np.ndarray,
              *, draws: int = 500, seed: int = 0) -> Interval:
    """``metric`` on all turns, and the 2.5 / 97.5 percentiles over ``draws`` resamples of
    whole groups with replacement (NaN resamples are left out)."""
    fn = METRICS[metric]
    value = fn(estimate, truth)
    names = np.unique(groups)
    if names.size < 2:
        return Interval(value, float("nan"), float("nan"))
    members = [np.flatnonzero(groups == g) for g in names]
    rng = np.random.default_rng(seed)
    samples = []
    for _ in range(draws):
        chosen = np.concatenate([members[i] for i in rng.integers(0, names.size, names.size)])
        samples.append(fn(estimate[chosen], truth[chosen]))
    finite = np.asarray([s for s in samples if not np.isnan(s)])
    if not finite.size:
        return Interval(value, float("nan"), float("nan"))
    return Interval(value, float(np.percentile(finite, 2.5)),
                    float(np.percentile(finite, 97.5)))


def fidelity_row(estimate: np.ndarray, truth: np.ndarray, groups: np.ndarray,
                 mixed: np.ndarray, *, draws: int = 500, seed: int = 0) -> dict[str, Interval]:
    """Every metric on all turns and (``mixed/…``) on turns of mixed-outcome groups."""
    row = {name: bootstrap(name, estimate, truth, groups, draws=draws, seed=seed)
           for name in METRICS}
    if mixed.any():
        row |= {f"mixed/{name}": bootstrap(name, estimate[mixed], truth[mixed], groups[mixed],
                                           draws=draws, seed=seed) for name in METRICS}
    return row
