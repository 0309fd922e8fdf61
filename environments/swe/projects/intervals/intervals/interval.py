"""A closed interval [start, end] of integers."""


class Interval:
    """Closed interval ``[start, end]``; ``start <= end`` is required."""

    def __init__(self, start, end):
        if start > end:
            raise ValueError(f"start {start} is after end {end}")
        self.start = start
        self.end = end

    def __eq__(self, other):
        return (self.start, self.end) == (other.start, other.end)

    def __repr__(self):
        return f"Interval({self.start}, {self.end})"

    def length(self):
        """Number of integers in the interval."""
        return self.end - self.start + 1

    def contains(self, point):
        """Whether ``point`` lies inside (ends included)."""
        return self.start <= point and point <= self.end

    def overlaps(self, other):
        """Whether the two intervals share at least one integer."""
        return self.start <= other.end and other.start <= self.end

    def touches(self, other):
        """Whether the intervals overlap or are adjacent (no integer between them)."""
        return self.start <= other.end + 1 and other.start <= self.end + 1

    def intersection(self, other):
        """The shared part, or None."""
        if not self.overlaps(other):
            return None
        return Interval(max(self.start, other.start), min(self.end, other.end))
