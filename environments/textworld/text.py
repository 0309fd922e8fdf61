"""Cleaning TextWorld's raw output into readable observations, and sanitising actions.

The interpreter's first output opens with a large ASCII-art banner; every output ends with
the ``>`` prompt followed by a status line (room name and score), and the final one with
an offer to RESTART or QUIT. None of it helps an agent, so it is dropped here.
"""

from __future__ import annotations

import re
import unicodedata

MAX_ACTION_CHARS = 200
# Interpreter meta-commands that would desynchronise TextWorld's state tracking.
META_COMMANDS = frozenset(
    {"quit", "q", "restart", "restore", "save", "undo", "script", "unscript", "transcript"}
)
_ART_CHARS = frozenset(" _|\\/$<>")
_BLANK_LINES = re.compile(r"\n{3,}")
_END_OFFER = "Would you like to RESTART"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# What the interpreter can read. dumb-frotz takes a backslash as the start of one of its own
# meta-commands (``\help``, ``\f``, ``\z``: it then waits in its command mode, or crashes
# on some sequences), and cuts input in its byte buffer, splitting multibyte characters: so
# only printable ASCII without backslashes reaches it.
_UNREADABLE = re.compile(r"[^\x20-\x5b\x5d-\x7e]")


def _is_art(line: str) -> bool:
    """A banner line: only drawing characters (and at least one of them)."""
    return bool(line.strip()) and set(line) <= _ART_CHARS


def clean_feedback(raw: str) -> str:
    """``raw`` interpreter output without banner, prompt/status line and RESTART offer."""
    kept = []
    for line in raw.split("\n"):
        if line.startswith(">") or line.startswith(_END_OFFER):
            continue
        if _is_art(line):
            continue
        kept.append(line.strip())
    return _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()


def sanitize_action(action: str) -> str:
    """One line of text: accents stripped (NFKD), control characters removed, spaces collapsed."""
    if not action.isascii():
        decomposed = unicodedata.normalize("NFKD", action)
        action = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_CONTROL.sub(" ", action).split())


def refusal(command: str) -> str | None:
    """Why ``command`` (sanitised) is not sent to the game, or None when it can be.

    Refused: empty, too long, characters the interpreter cannot read (anything but printable
    ASCII, and backslashes), and interpreter meta-commands.
    """
    if not command:
        return "Empty action: write one game command, e.g. 'look' or 'go north'."
    if len(command) > MAX_ACTION_CHARS:
        return (
            f"Action too long ({len(command)} characters, at most {MAX_ACTION_CHARS}): "
            "write one short game command, e.g. 'take key'."
        )
    unreadable = sorted(set(_UNREADABLE.findall(command)))
    if unreadable:
        shown = ", ".join(repr(c) for c in unreadable[:5])
        shown += ", ..." if len(unreadable) > 5 else ""
        return (
            f"The game cannot read {shown} in an action: write plain English words, e.g. "
            "'open door'."
        )
    verb = command.split()[0].lower()
    if verb in META_COMMANDS or verb.startswith("tw-"):
        return f"'{verb}' is an interpreter command and is not allowed; play the game instead."
    return None


def canonical(text: str) -> str:
    """Lower-cased text with whitespace collapsed: equal for equal descriptions."""
    return " ".join(text.lower().split())
