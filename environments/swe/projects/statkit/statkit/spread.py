"""Measures of spread and helpers."""

from statkit.center import mean


def variance(values, sample=False):
    """Population variance, or the sample variance (n - 1 denominator) when ``sample``."""
    count = len(values)
    if count < 2 and sample:
        raise ValueError("sample variance needs at least two values")
    center = mean(values)
    total = sum((value - center) ** 2 for value in values)
    return total / (count - 1 if sample else count)


def value_range(values):
    """Largest minus smallest value."""
    return max(values) - min(values)


def percentile(values, fraction):
    """Linear-interpolation percentile, ``fraction`` in [0, 1]."""
    if not 0 <= fraction <= 1:
        raise ValueError("fraction must be within [0, 1]")
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    weight = position - low
    return ordered[low] * (1 - weight) + ordered[high] * weight


def clamp(value, low, high):
    """``value`` limited to the closed interval [low, high]."""
    if low > high:
        raise ValueError("low is above high")
    return max(low, min(value, high))


def moving_average(values, window):
    """Means of each run of ``window`` consecutive values."""
    if window <= 0:
        raise ValueError("window must be positive")
    return [mean(values[start : start + window]) for start in range(len(values) - window + 1)]
