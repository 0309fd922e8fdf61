"""Measuring and reshaping text."""

import re


def slugify(text, separator="-"):
    """Lower-case ``text`` and join its alphanumeric runs with ``separator``."""
    runs = re.findall(r"[a-z0-9]+", text.lower())
    return separator.join(runs)


def count_words(text):
    """Number of whitespace-separated words."""
    return len(text.split())


def truncate(text, width, ellipsis="..."):
    """Cut ``text`` to at most ``width`` characters, ending with ``ellipsis`` if cut."""
    if width < len(ellipsis):
        raise ValueError("width is smaller than the ellipsis")
    if len(text) <= width:
        return text
    return text[: width - len(ellipsis)] + ellipsis


def wrap_words(text, width):
    """Greedy word wrap: lines of at most ``width`` characters (longer words stand alone)."""
    lines = []
    current = ""
    for word in text.split():
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current = current + " " + word
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines
