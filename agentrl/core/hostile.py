"""Hostile actions: what a random or adversarial policy may send an env, by class.

A policy samples tokens, so an env's ``step`` sees every kind of text sooner or later: random
code points, undecodable bytes, megabytes of one reply, invisible marks, characters that
mean something to a shell, a game interpreter or a JSON parser. `hostile_actions` lists one
or more actions per class; `check_env`'s ``check_hostile_actions`` sends them all and asks
that each comes back as an ordinary `StepResult`: no exception, no hang, an observation that
does not repeat megabytes of the action, and an env that still plays the same game after.

The classes (their names appear in check_env's messages):

- ``empty``, ``blank``: nothing, or only whitespace;
- ``random-unicode``: code points drawn from many scripts, symbols and emoji;
- ``random-bytes``: random bytes decoded with ``surrogateescape`` (lone surrogates: text
  that cannot be encoded back to UTF-8);
- ``non-ascii-run``: a long run of multibyte characters (cut buffers split them);
- ``one-megabyte``: a 1,000,000-character reply;
- ``invisible-marks``: zero-width and bidirectional (RTL) marks around a plain command;
- ``unbalanced-brackets``: 500 opening brackets of four kinds;
- ``shell``: shell metacharacters, command substitution and redirections;
- ``nul-bytes``: NUL characters inside a command;
- ``control-chars``: every C0 control character and ANSI escapes;
- ``interpreter-escapes``: backslash sequences that game interpreters (dumb-frotz) read as
  their own meta-commands, also after a newline following a plain command;
- ``format-strings``: printf / str.format / shell-variable placeholders;
- ``lying-tool-call``: tool-call JSON that names tools that do not exist, has arguments of
  the wrong type, or is cut off;
- ``path-traversal``: relative and absolute paths out of any working directory.
"""

from __future__ import annotations

import random

ONE_MEGABYTE = 1_000_000
# Characters from many scripts and blocks: Latin-1, Greek, Cyrillic, Hebrew, Arabic,
# Devanagari, CJK, Hangul, symbols, emoji (astral plane), combining marks.
_UNICODE_RANGES = (
    (0x00A0, 0x00FF), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x0590, 0x05FF),
    (0x0600, 0x06FF), (0x0900, 0x097F), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3),
    (0x2000, 0x2BFF), (0x1F300, 0x1FAFF), (0x0300, 0x036F),
)


def _random_unicode(rng: random.Random, length: int) -> str:
    chars = []
    for _ in range(length):
        low, high = rng.choice(_UNICODE_RANGES)
        chars.append(chr(rng.randint(low, high)))
    return "".join(chars)


def _random_bytes(rng: random.Random, length: int) -> str:
    return bytes(rng.randrange(256) for _ in range(length)).decode("utf-8", "surrogateescape")


def hostile_actions(seed: int = 0) -> list[tuple[str, str]]:
    """``(class, action)`` pairs, the same for the same ``seed`` (random classes use it)."""
    rng = random.Random(seed)
    return [
        ("empty", ""),
        ("blank", " \t \n\r  "),
        ("random-unicode", _random_unicode(rng, 200)),
        ("random-bytes", _random_bytes(rng, 300)),
        ("non-ascii-run", "é" * 150 + "日本語" * 20 + "😀" * 10),
        ("one-megabyte", ("go north " * (ONE_MEGABYTE // 9 + 1))[:ONE_MEGABYTE]),
        ("invisible-marks", "\u200bl\u200do\u200eo\u202ek\u2066 \ufeffnorth\u2069\u200f"),
        ("unbalanced-brackets", "[" * 125 + "(" * 125 + "{" * 125 + "<" * 125),
        ("shell", "; rm -rf / && $(reboot) `id` | cat /etc/passwd > /dev/null 2>&1 &"),
        ("nul-bytes", "look\x00\x00 north\x00"),
        ("control-chars", "".join(chr(c) for c in range(32)) + "\x7f\x1b[2J\x1b[31mred\x1b[0m"),
        ("interpreter-escapes", "\\help"),
        ("interpreter-escapes", "\\f"),
        ("interpreter-escapes", "\\z"),
        ("interpreter-escapes", "look\n\\quit\n\\x \\\\ \\"),
        ("format-strings", "%s%s%s%n%x {0} {action!r} ${HOME} %(name)s"),
        ("lying-tool-call",
         '<tool_call>{"name": "__import__", "arguments": {"name": "os"}}</tool_call>'),
        ("lying-tool-call", '<tool_call>{"name": "search", "arguments": [1, 2, {"q": null}]}'),
        ("lying-tool-call", '{"name": "submit", "arguments": {"answer": "'),
        ("path-traversal", "../../../../../../etc/passwd"),
        ("path-traversal", "view: ../../../../../../etc/shadow"),
    ]


__all__ = ["ONE_MEGABYTE", "hostile_actions"]
