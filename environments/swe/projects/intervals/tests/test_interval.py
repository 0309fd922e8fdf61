import pytest
from intervals import Interval


def test_rejects_reversed_bounds():
    with pytest.raises(ValueError):
        Interval(3, 1)


def test_length_counts_both_ends():
    assert Interval(2, 5).length() == 4


def test_contains_ends():
    interval = Interval(2, 5)
    assert interval.contains(2) and interval.contains(5)
    assert not interval.contains(6)


def test_overlaps_sharing_one_point():
    assert Interval(1, 3).overlaps(Interval(3, 4))


def test_disjoint_do_not_overlap():
    assert not Interval(1, 2).overlaps(Interval(4, 5))


def test_touches_adjacent():
    assert Interval(1, 2).touches(Interval(3, 4))
    assert not Interval(1, 2).touches(Interval(4, 4))


def test_intersection():
    assert Interval(1, 5).intersection(Interval(3, 9)) == Interval(3, 5)
    assert Interval(1, 2).intersection(Interval(5, 6)) is None
