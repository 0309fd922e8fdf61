"""Measures of central tendency."""


def mean(values):
    """Arithmetic mean; ValueError on an empty list."""
    if len(values) == 0:
        raise ValueError("mean of an empty list")
    return sum(values) / len(values)


def median(values):
    """Middle value of the sorted list (mean of the two middle ones for even sizes)."""
    if not values:
        raise ValueError("median of an empty list")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def mode(values):
    """Most frequent value; ties go to the value seen first."""
    if not values:
        raise ValueError("mode of an empty list")
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    best = values[0]
    for value in values:
        if counts[value] > counts[best]:
            best = value
    return best
