"""Parsing the model's answers: points, GUI-G1 JSON boxes, GUI-G2 lists, cursor moves, ids.

Every parser returns None for an answer it cannot read; none raises, whatever the text.
"""

from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass

NUMBER = r"-?\d+(?:\.\d+)?"
POINT = re.compile(rf"\(\s*({NUMBER})\s*,\s*({NUMBER})\s*\)")
BOX_LIST = re.compile(rf"\[\s*({NUMBER})\s*,\s*({NUMBER})\s*,\s*({NUMBER})\s*,\s*({NUMBER})\s*\]")
G2_FORMAT = re.compile(rf"\[\s*{NUMBER}\s*,\s*{NUMBER}\s*,\s*{NUMBER}\s*,\s*{NUMBER}\s*\]")
FENCE = re.compile(r"```(?:json)?\s*(.*?)\s*```", re.DOTALL)
ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL | re.IGNORECASE)
MOVE = re.compile(rf"MOVE\(\s*({NUMBER})\s*,\s*({NUMBER})\s*\)", re.IGNORECASE)
CLICK_ID = re.compile(r"click\(\s*\[?(\d+)\]?\s*\)", re.IGNORECASE)
MAX_ANSWER_CHARS = 4000  # longer replies are not parsed (a literal eval of megabytes)
# GUI-Cursor's format (cursor/rl/reward_funcs.py): every turn but the last moves.
CURSOR_MOVE_FORMAT = re.compile(r"<think>.*?</think>\s*<answer>\(\d+,\s*\d+\)</answer>", re.DOTALL)
CURSOR_LAST_FORMAT = re.compile(r"<think>.*?</think>\s*<answer>(\(\d+,\s*\d+\)|STOP)</answer>",
                                re.DOTALL)
CURSOR_MOVE_NO_THINK = re.compile(r"<answer>\(\d+,\s*\d+\)</answer>", re.DOTALL)
CURSOR_LAST_NO_THINK = re.compile(r"<answer>(\(\d+,\s*\d+\)|STOP)</answer>", re.DOTALL)


def _finite(values: list[float]) -> list[float] | None:
    return values if all(math.isfinite(v) and abs(v) < 1e7 for v in values) else None


def _answer_part(text: str) -> str:
    found = ANSWER.findall(text)
    return found[-1] if found else text


def parse_point(text: str) -> list[float] | None:
    """The last ``(x, y)`` of the reply (inside ``<answer>`` when there is one)."""
    if len(text) > MAX_ANSWER_CHARS:
        return None
    found = POINT.findall(_answer_part(text))
    return _finite([float(v) for v in found[-1]]) if found else None


def parse_bbox_json(text: str) -> list[float] | None:
    """GUI-G1's ``[{"bbox_2d": [x1, y1, x2, y2]}]``: code fences stripped, literal-evaluated;
    the first box. A bare ``{"bbox_2d": ...}`` is read too."""
    if len(text) > MAX_ANSWER_CHARS:
        return None
    fenced = FENCE.search(text)
    body = (fenced.group(1) if fenced else _answer_part(text)).strip()
    try:
        value = ast.literal_eval(body)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list | tuple) or not value or not isinstance(value[0], dict):
        return None
    box = value[0].get("bbox_2d")
    if not isinstance(box, list | tuple) or len(box) != 4:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in box):
        return None
    return _finite([float(v) for v in box])


def parse_bbox_list(text: str) -> tuple[list[float] | None, bool]:
    """GUI-G2's ``[x1,y1,x2,y2]``: the box (the last list found) and whether the reply is
    exactly that list (its format reward)."""
    if len(text) > MAX_ANSWER_CHARS:
        return None, False
    found = BOX_LIST.findall(text)
    box = _finite([float(v) for v in found[-1]]) if found else None
    return box, bool(G2_FORMAT.fullmatch(text.strip()))


@dataclass(frozen=True)
class CursorAction:
    """A parsed cursor action: ``kind`` is ``"goto"`` (x, y), ``"move"`` (dx, dy) or ``"stop"``."""

    kind: str
    x: float = 0.0
    y: float = 0.0


def parse_cursor_action(text: str) -> CursorAction | None:
    """GUI-Cursor's actions: ``(x, y)``, ``MOVE(dx, dy)`` or ``STOP``, inside ``<answer>``
    when present (the last one)."""
    if len(text) > MAX_ANSWER_CHARS:
        return None
    body = _answer_part(text).strip()
    if re.fullmatch(r"STOP", body, re.IGNORECASE):
        return CursorAction("stop")
    if (move := MOVE.findall(body)) and (values := _finite([float(v) for v in move[-1]])):
        return CursorAction("move", *values)
    point = parse_point(body)
    return CursorAction("goto", *point) if point else None


def cursor_format_ok(text: str, last: bool, think: bool = True) -> bool:
    """Whether one assistant turn matches GUI-Cursor's format (STOP allowed on the last)."""
    if think:
        pattern = CURSOR_LAST_FORMAT if last else CURSOR_MOVE_FORMAT
    else:
        pattern = CURSOR_LAST_NO_THINK if last else CURSOR_MOVE_NO_THINK
    return bool(pattern.fullmatch(text.strip()))


def parse_click_id(text: str) -> int | None:
    """Accessibility mode's ``click(id)`` (the last one)."""
    if len(text) > MAX_ANSWER_CHARS:
        return None
    found = CLICK_ID.findall(text)
    return int(found[-1]) if found else None
