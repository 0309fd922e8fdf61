"""Parsing the model's answers: points, GUI-G1 JSON boxes, GUI-G2 lists, cursor moves, ids.

Every parser returns None for an answer it cannot read; none raises, whatever the text.
The papers' parsers (``parsing="paper"``, the default) read what the authors' code reads,
quirks included; ``parsing="lenient"`` is agentrl's kinder reading, a documented deviation
(docs/methods/gui-rewards.md).
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
PARSINGS = ("paper", "lenient")
# GUI-G2 (gaussian_grpo.py): the reward's box pattern (a sign, digits with an optional point
# before the last digit, so ".5" reads and "12." does not) and the format reward's pattern.
G2_NUMBER = r"(\s*-?\d*\.?\d+\s*)"
G2_PAPER_BOX = re.compile(r"\[" + r",\s*".join([G2_NUMBER] * 4) + r"\]", re.DOTALL)
G2_PAPER_FORMAT = re.compile(r"\[" + r",".join([r"\s*\d+\s*"] * 4) + r"\]", re.DOTALL)
G2_TURN_MARK = "assistant\n"  # GUI-G2 keeps the text after the last one
# GUI-Cursor (cursor/utils/extract_action.py): the first <answer> on one line, then exactly
# STOP or (x, y) with integers; UI-TARS style: "Action: GOTO(x, y)" or "Action: STOP".
CURSOR_PAPER_ANSWER = re.compile(r"<answer>(.*?)</answer>")
CURSOR_PAPER_POINT = re.compile(r"\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)")
UITARS_GOTO = re.compile(r"Action:\s*GOTO\(\s*(-?\d+)\s*,\s*(-?\d+)\s*\)")
UITARS_STOP = re.compile(r"Action:\s*STOP")
UITARS_FORMAT = re.compile(r"Thought:.*?Action:\s*(GOTO\(\s*\d+\s*,\s*\d+\s*\)|STOP)", re.DOTALL)
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


def _check_parsing(parsing: str) -> None:
    if parsing not in PARSINGS:
        raise ValueError(f"parsing={parsing!r}; use one of {PARSINGS}")


def g1_paper_unfence(text: str) -> str:
    """GUI-G1's ``parse_json``: from the first line that is exactly ```` ```json ```` keep
    what follows, up to the next ```` ``` ````; any other text is returned unchanged."""
    lines = text.splitlines()
    if "```json" not in lines:
        return text
    after = "\n".join(lines[lines.index("```json") + 1:])
    return after.split("```")[0]


def parse_bbox_json(text: str, parsing: str = "paper") -> object | None:
    """GUI-G1's answer ``[{"bbox_2d": [x1, y1, x2, y2]}]``: the first entry's ``bbox_2d``.

    ``parsing="paper"`` (GUI-G1's ``grpo_rec.py``): `g1_paper_unfence`, a Python literal
    eval, then ``value[0]["bbox_2d"]`` whatever it holds (five numbers, booleans, a tuple:
    the reward terms decide what they can use); None when any step fails. ``"lenient"``:
    a fence of any kind, ``<answer>`` tags or a bare dict are read too, and only four finite
    numbers (no booleans) are accepted.
    """
    _check_parsing(parsing)
    if parsing == "paper":
        try:
            return ast.literal_eval(g1_paper_unfence(text))[0]["bbox_2d"]
        except Exception:  # as GUI-G1's reward functions: any failure scores 0
            return None
    return _lenient_bbox_json(text)


def _lenient_bbox_json(text: str) -> list[float] | None:
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


def parse_bbox_list(text: str, parsing: str = "paper") -> tuple[list[float] | None, bool]:
    """GUI-G2's ``[x1,y1,x2,y2]``: the box and whether the reply passes the format reward.

    ``parsing="paper"`` (GUI-G2's ``gaussian_grpo.py``): only the text after the last
    ``assistant\\n`` counts; the box is the first ``[a, b, c, d]`` of it (stripped), numbers
    as ``-?\\d*\\.?\\d+`` (``.5`` reads, ``12.`` does not, no bound on size); the format
    holds when that text is exactly a list of four non-negative integers, no whitespace
    around. ``"lenient"``: the last list, finite numbers under 10^7, format on the
    stripped reply with signed decimals allowed.
    """
    _check_parsing(parsing)
    if parsing == "lenient":
        if len(text) > MAX_ANSWER_CHARS:
            return None, False
        found = BOX_LIST.findall(text)
        box = _finite([float(v) for v in found[-1]]) if found else None
        return box, bool(G2_FORMAT.fullmatch(text.strip()))
    turn = text.split(G2_TURN_MARK)[-1]
    found = G2_PAPER_BOX.search(turn.strip())
    box = [float(v) for v in found.groups()] if found else None
    return box, bool(G2_PAPER_FORMAT.fullmatch(turn))


@dataclass(frozen=True)
class CursorAction:
    """A parsed cursor action: ``kind`` is ``"goto"`` (x, y), ``"move"`` (dx, dy) or ``"stop"``."""

    kind: str
    x: float = 0.0
    y: float = 0.0


def parse_cursor_action(text: str, parsing: str = "paper") -> CursorAction | None:
    """A GUI-Cursor answer.

    ``parsing="paper"`` (``extract_coord_from_answer_tag``): the first ``<answer>...</answer>``
    on one line, stripped, is exactly ``STOP`` or ``(x, y)`` with integers (signs allowed).
    ``"lenient"``: the last answer tag (or the whole reply without one), ``STOP`` in any
    case, ``MOVE(dx, dy)`` offsets, decimals, a bare ``(x, y)``.
    """
    _check_parsing(parsing)
    if parsing == "paper":
        found = CURSOR_PAPER_ANSWER.search(text)
        if not found:
            return None
        body = found.group(1).strip()
        if body == "STOP":
            return CursorAction("stop")
        point = CURSOR_PAPER_POINT.fullmatch(body)
        return CursorAction("goto", int(point.group(1)), int(point.group(2))) if point else None
    if len(text) > MAX_ANSWER_CHARS:
        return None
    body = _answer_part(text).strip()
    if re.fullmatch(r"STOP", body, re.IGNORECASE):
        return CursorAction("stop")
    if (move := MOVE.findall(body)) and (values := _finite([float(v) for v in move[-1]])):
        return CursorAction("move", *values)
    point = parse_point(body)
    return CursorAction("goto", *point) if point else None


def parse_uitars_action(text: str) -> CursorAction | None:
    """GUI-Cursor's UI-TARS style (``extract_uitars_action``): the first
    ``Action: GOTO(x, y)``, else ``Action: STOP`` anywhere in the reply."""
    goto = UITARS_GOTO.search(text)
    if goto:
        return CursorAction("goto", int(goto.group(1)), int(goto.group(2)))
    return CursorAction("stop") if UITARS_STOP.search(text) else None


def cursor_format_ok(text: str, last: bool, style: str = "think") -> bool:
    """Whether one assistant turn passes GUI-Cursor's format reward (``reward_funcs.py``).

    ``style``: ``"think"`` (``<think>...</think><answer>(x, y)</answer>``, STOP allowed on
    the last turn), ``"answer"`` (the same without the think block) or ``"uitars"``
    (``Thought: ... Action: GOTO(x, y)`` or ``STOP``, on every turn). The reply is stripped.
    """
    patterns = {"think": (CURSOR_MOVE_FORMAT, CURSOR_LAST_FORMAT),
                "answer": (CURSOR_MOVE_NO_THINK, CURSOR_LAST_NO_THINK),
                "uitars": (UITARS_FORMAT, UITARS_FORMAT)}
    if style not in patterns:
        raise ValueError(f"style={style!r}; use one of {tuple(patterns)}")
    return bool(patterns[style][last].fullmatch(text.strip()))


def parse_click_id(text: str) -> int | None:
    """Accessibility mode's ``click(id)`` (the last one)."""
    if len(text) > MAX_ANSWER_CHARS:
        return None
    found = CLICK_ID.findall(text)
    return int(found[-1]) if found else None
