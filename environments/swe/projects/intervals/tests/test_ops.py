from intervals import Interval, gaps, merge, total_length


def test_merge_overlapping_and_adjacent():
    merged = merge([Interval(6, 7), Interval(1, 2), Interval(3, 4), Interval(7, 9)])
    assert merged == [Interval(1, 4), Interval(6, 9)]


def test_merge_keeps_separate():
    assert merge([Interval(1, 1), Interval(3, 3)]) == [Interval(1, 1), Interval(3, 3)]


def test_merge_nested():
    assert merge([Interval(1, 10), Interval(2, 3)]) == [Interval(1, 10)]


def test_total_length_counts_overlap_once():
    assert total_length([Interval(1, 4), Interval(3, 6)]) == 6


def test_gaps_between_and_after():
    assert gaps([Interval(2, 3), Interval(6, 7)], 1, 9) == [
        Interval(1, 1),
        Interval(4, 5),
        Interval(8, 9),
    ]


def test_gaps_fully_covered():
    assert gaps([Interval(0, 10)], 2, 8) == []
