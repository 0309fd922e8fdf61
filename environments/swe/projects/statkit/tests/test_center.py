import pytest
from statkit import mean, median, mode


def test_mean():
    assert mean([1, 2, 3, 6]) == 3


def test_mean_empty():
    with pytest.raises(ValueError):
        mean([])


def test_median_odd():
    assert median([5, 1, 3]) == 3


def test_median_even():
    assert median([4, 1, 3, 2]) == 2.5


def test_median_empty():
    with pytest.raises(ValueError):
        median([])


def test_mode_most_frequent():
    assert mode([1, 2, 2, 3, 3, 3]) == 3


def test_mode_tie_goes_to_first_seen():
    assert mode([7, 5, 5, 7]) == 7
