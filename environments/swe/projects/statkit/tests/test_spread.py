import pytest
from statkit import clamp, moving_average, percentile, value_range, variance


def test_population_variance():
    assert variance([2, 4, 4, 4, 5, 5, 7, 9]) == 4


def test_sample_variance():
    assert variance([1, 2, 3, 4], sample=True) == pytest.approx(5 / 3)


def test_sample_variance_needs_two_values():
    with pytest.raises(ValueError):
        variance([1], sample=True)


def test_value_range():
    assert value_range([3, -2, 8]) == 10


def test_percentile_ends_and_middle():
    values = [10, 20, 30, 40]
    assert percentile(values, 0) == 10
    assert percentile(values, 1) == 40
    assert percentile(values, 0.5) == 25


def test_percentile_rejects_bad_fraction():
    with pytest.raises(ValueError):
        percentile([1, 2], 1.5)


def test_clamp():
    assert clamp(5, 0, 3) == 3
    assert clamp(-1, 0, 3) == 0
    assert clamp(2, 0, 3) == 2


def test_clamp_bounds_at_edges():
    assert clamp(3, 3, 3) == 3


def test_moving_average():
    assert moving_average([1, 2, 3, 4, 5], 2) == [1.5, 2.5, 3.5, 4.5]


def test_moving_average_window_equals_length():
    assert moving_average([2, 4], 2) == [3]
