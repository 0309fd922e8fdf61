"""Success rates with confidence intervals."""

from __future__ import annotations

import math
from statistics import NormalDist


def wilson_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927).

    centre = (p̂ + z²/2n) / (1 + z²/n),  half = z √(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n).
    Unlike the normal approximation it stays inside [0, 1] and is sensible at p̂ = 0 or 1.
    """
    if trials == 0:
        return 0.0, 1.0
    z = _z_score(confidence)
    p = successes / trials
    denominator = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def _z_score(confidence: float) -> float:
    """Two-sided standard-normal quantile (1.959964 at 95 %)."""
    return NormalDist().inv_cdf((1 + confidence) / 2)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k of one task from ``n`` samples with ``c`` successes (Chen et al. 2021,
    "Evaluating Large Language Models Trained on Code", eq. 1):

        pass@k = 1 − C(n − c, k) / C(n, k),

    the probability that at least one of ``k`` samples drawn without replacement from the
    ``n`` succeeds. Needs 1 ≤ k ≤ n; 1 when n − c < k (every draw holds a success).
    """
    if not 1 <= k <= n:
        raise ValueError(f"pass@{k} needs 1 <= k <= n samples; n = {n}")
    if not 0 <= c <= n:
        raise ValueError(f"successes c = {c} must lie in [0, n = {n}]")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def mean_pass_at_k(outcomes: dict[str, list[bool]], k: int) -> float:
    """pass@k averaged over tasks; ``outcomes`` maps task id → its episodes' successes."""
    if not outcomes:
        return 0.0
    return sum(pass_at_k(len(v), sum(v), k) for v in outcomes.values()) / len(outcomes)
