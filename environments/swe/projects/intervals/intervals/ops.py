"""Operations on lists of intervals."""

from intervals.interval import Interval


def merge(intervals):
    """Merge overlapping or adjacent intervals; result sorted by start."""
    ordered = sorted(intervals, key=lambda item: item.start)
    merged = []
    for item in ordered:
        if merged and merged[-1].touches(item):
            last = merged[-1]
            merged[-1] = Interval(last.start, max(last.end, item.end))
        else:
            merged.append(Interval(item.start, item.end))
    return merged


def total_length(intervals):
    """Number of integers covered by at least one interval."""
    return sum(item.length() for item in merge(intervals))


def gaps(intervals, low, high):
    """The parts of [low, high] covered by no interval."""
    result = []
    cursor = low
    for item in merge(intervals):
        if item.end < cursor:
            continue
        if item.start > high:
            break
        if item.start > cursor:
            result.append(Interval(cursor, item.start - 1))
        cursor = max(cursor, item.end + 1)
    if cursor <= high:
        result.append(Interval(cursor, high))
    return result
