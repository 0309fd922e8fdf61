"""textkit: small text utilities."""

from textkit.case import camel_to_snake, snake_to_camel, title_case
from textkit.shape import count_words, slugify, truncate, wrap_words

__all__ = [
    "camel_to_snake",
    "count_words",
    "slugify",
    "snake_to_camel",
    "title_case",
    "truncate",
    "wrap_words",
]
