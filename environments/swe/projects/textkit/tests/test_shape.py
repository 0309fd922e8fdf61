import pytest
from textkit import count_words, slugify, truncate, wrap_words


def test_slugify_basic():
    assert slugify("Hello, World!") == "hello-world"


def test_slugify_separator():
    assert slugify("  A  B  c ", separator="_") == "a_b_c"


def test_count_words():
    assert count_words("one  two\tthree\n") == 3


def test_truncate_short_text_unchanged():
    assert truncate("hello", 5) == "hello"


def test_truncate_long_text():
    assert truncate("hello world", 8) == "hello..."


def test_truncate_width_too_small():
    with pytest.raises(ValueError):
        truncate("hello", 2)


def test_wrap_words_exact_fit():
    assert wrap_words("aa bb cc", 5) == ["aa bb", "cc"]


def test_wrap_words_long_word():
    assert wrap_words("a verylongword b", 4) == ["a", "verylongword", "b"]


def test_wrap_words_empty():
    assert wrap_words("   ", 10) == []
