"""statkit: descriptive statistics on plain lists."""

from statkit.center import mean, median, mode
from statkit.spread import clamp, moving_average, percentile, value_range, variance

__all__ = [
    "clamp",
    "mean",
    "median",
    "mode",
    "moving_average",
    "percentile",
    "value_range",
    "variance",
]
