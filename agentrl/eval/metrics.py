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
