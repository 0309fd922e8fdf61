"""Per-batch advantage whitening: every method's advantages scaled to unit RMS.

Comparing estimators at one learning rate compares their effective step sizes too: an
estimator whose advantages are twice as large takes twice the step. Whitening divides the
batch's advantages by their root mean square,

    A'_{i,t} = A_{i,t} / sqrt( (1/N) Σ_{(i,t)} A_{i,t}² + ε ),

over the N turns of the batch's non-errored trajectories (per-token advantages: over their
tokens), so every method's update has the same advantage magnitude. No mean is subtracted:
a zero advantage (a group with equal outcomes) stays zero, and signs are kept. A batch of
all-zero advantages is returned unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

Advantages = list[list[float | list[float]]]


def advantage_rms(advantages: Advantages, errored: Sequence[bool]) -> float:
    """sqrt of the mean of A² over the turns (or tokens) of non-errored trajectories."""
    total, count = 0.0, 0
    for row, bad in zip(advantages, errored, strict=True):
        if bad:
            continue
        for value in row:
            values = value if isinstance(value, list) else [value]
            total += sum(v * v for v in values)
            count += len(values)
    return math.sqrt(total / count) if count else 0.0


def whiten(advantages: Advantages, errored: Sequence[bool], eps: float = 1e-8) -> Advantages:
    """``advantages`` divided by their batch RMS (see the module docstring)."""
    rms = advantage_rms(advantages, errored)
    if rms == 0.0:
        return advantages
    scale = 1.0 / math.sqrt(rms * rms + eps)
    return [[[v * scale for v in value] if isinstance(value, list) else value * scale
             for value in row] for row in advantages]
