"""MiniWoB++'s action space as text: parse a reply into an `Action`, run it on the page.

The action types are those of ``miniwob.action.ActionTypes``, written as calls with literal
arguments (``click_element(5)``, ``type_text("Jerald")``); names are case-insensitive, so
``CLICK_ELEMENT(5)`` is the same action. Coordinates are CSS pixels of the 160x210 task
area (the screenshot's pixels). Keys are miniwob's allowed keys
(``miniwob.constants.DEFAULT_ALLOWED_KEYS``: ``"<Enter>"``, ``"a"``, ``"C-a"``, …), text is
at most 64 characters (``TYPING_MAX_LENGTH``), fields index the utterance fields the
observation lists. Anything else is a `ParseError` whose message the env shows the agent.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

TEXT_MAX_LEN = 64  # miniwob.constants.TYPING_MAX_LENGTH
SCROLL_AMOUNT = 50  # miniwob.constants.DEFAULT_SCROLL_AMOUNT (wheel pixels)
AREA_W, AREA_H = 160, 210
MAX_SOURCE = 400  # longer replies are not parsed at all

# name -> argument kinds: ref (int element ref), x / y (number), key, text (str), field (int)
SIGNATURES: dict[str, tuple[str, ...]] = {
    "none": (),
    "move_coords": ("x", "y"),
    "click_coords": ("x", "y"),
    "dblclick_coords": ("x", "y"),
    "mousedown_coords": ("x", "y"),
    "mouseup_coords": ("x", "y"),
    "scroll_up_coords": ("x", "y"),
    "scroll_down_coords": ("x", "y"),
    "click_element": ("ref",),
    "press_key": ("key",),
    "type_text": ("text",),
    "type_field": ("field",),
    "focus_element_and_type_text": ("ref", "text"),
    "focus_element_and_type_field": ("ref", "field"),
}
REF_ACTIONS = ("click_element", "focus_element_and_type_text", "focus_element_and_type_field")
MODIFIERS = {"C-": "Control", "S-": "Shift", "A-": "Alt", "M-": "Meta"}
SPECIAL_KEYS = {"<Space>": "Space"}  # the rest of "<Name>" is playwright's key name as is

ACTION_HELP = (
    "Actions (one per turn): click_element(ref) | click_coords(x, y) | dblclick_coords(x, y)"
    " | mousedown_coords(x, y) | mouseup_coords(x, y) | move_coords(x, y)"
    " | scroll_up_coords(x, y) | scroll_down_coords(x, y) | press_key(\"<Enter>\")"
    " | type_text(\"text\") | type_field(i) | focus_element_and_type_text(ref, \"text\")"
    " | focus_element_and_type_field(ref, i) | none(). x, y: pixels of the 160x210 task area;"
    " ref: the [number] of an element; text: at most 64 characters; keys as miniwob writes"
    " them: \"<Enter>\", \"<Backspace>\", \"a\", \"C-a\"."
)


class ParseError(ValueError):
    """A reply that is not an action of the space; the message says why."""


@dataclass(frozen=True)
class Action:
    """A parsed action: its type (a `SIGNATURES` name) and its checked arguments."""

    kind: str
    args: tuple[Any, ...]

    def __str__(self) -> str:
        return f"{self.kind}({', '.join(repr(a) for a in self.args)})"


def allowed_keys() -> tuple[str, ...]:
    """MiniWoB's default PRESS_KEY keys."""
    from miniwob.constants import DEFAULT_ALLOWED_KEYS

    return tuple(DEFAULT_ALLOWED_KEYS)


def _check_arg(kind: str, value: Any, fields: int) -> Any:
    if kind in ("ref", "field"):
        if type(value) is not int or value < 0:
            raise ParseError(f"{kind} must be a non-negative integer, got {value!r}")
        if kind == "field" and value >= fields:
            raise ParseError(f"field {value} does not exist; the utterance has {fields} field(s)")
        return value
    if kind in ("x", "y"):
        limit = AREA_W if kind == "x" else AREA_H
        if type(value) not in (int, float) or not 0 <= value < limit:
            raise ParseError(f"{kind} must be a number in [0, {limit}), got {value!r}")
        return float(value)
    if not isinstance(value, str):
        raise ParseError(f"{kind} must be a quoted string, got {value!r}")
    if kind == "key" and value not in allowed_keys():
        raise ParseError(f"key {value!r} is not one of miniwob's allowed keys "
                         "(e.g. \"<Enter>\", \"<Tab>\", \"a\", \"C-a\", \"C-v\")")
    if kind == "text" and (len(value) > TEXT_MAX_LEN or not value.isprintable()):
        raise ParseError(f"text must be at most {TEXT_MAX_LEN} printable characters")
    return value


def parse_action(reply: str, num_fields: int = 0) -> Action:
    """The `Action` that ``reply`` writes (surrounding whitespace and backticks ignored)."""
    source = reply.strip().strip("`").strip()
    if not source:
        raise ParseError("empty action")
    if len(source) > MAX_SOURCE:
        raise ParseError(f"an action is one call of at most {MAX_SOURCE} characters")
    try:
        tree = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        raise ParseError("not a call like click_element(5)") from error
    if not (isinstance(tree, ast.Call) and isinstance(tree.func, ast.Name)) or tree.keywords:
        raise ParseError("not a call like click_element(5) (positional arguments only)")
    name = tree.func.id.lower()
    if name not in SIGNATURES:
        raise ParseError(f"unknown action {tree.func.id[:40]!r}")
    kinds = SIGNATURES[name]
    if len(tree.args) != len(kinds):
        raise ParseError(f"{name} takes {len(kinds)} argument(s) ({', '.join(kinds) or 'none'})")
    try:
        values = [ast.literal_eval(arg) for arg in tree.args]
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError) as error:
        raise ParseError(f"{name}: arguments must be literals") from error
    return Action(name, tuple(_check_arg(k, v, num_fields) for k, v in zip(kinds, values,
                                                                             strict=True)))


def playwright_key(key: str) -> str:
    """miniwob's key syntax (``"C-a"``, ``"<Enter>"``) as playwright's (``"Control+a"``)."""
    modifiers = []
    while key[:2] in MODIFIERS and len(key) > 2:
        modifiers.append(MODIFIERS[key[:2]])
        key = key[2:]
    if key in SPECIAL_KEYS:
        key = SPECIAL_KEYS[key]
    elif key.startswith("<") and key.endswith(">") and len(key) > 2:
        key = key[1:-1]
    return "+".join([*modifiers, key])


def execute(action: Action, page: Any, fields: list[tuple[str, str]]) -> str | None:
    """Run ``action`` on the playwright ``page``; a message when a click found no element."""
    kind, args = action.kind, action.args
    if kind.endswith("_coords"):
        x, y = args
        page.mouse.move(x, y)
        if kind == "click_coords":
            page.mouse.click(x, y)
        elif kind == "dblclick_coords":
            page.mouse.dblclick(x, y)
        elif kind == "mousedown_coords":
            page.mouse.down()
        elif kind == "mouseup_coords":
            page.mouse.up()
        elif kind.startswith("scroll"):
            page.mouse.wheel(0, -SCROLL_AMOUNT if kind == "scroll_up_coords" else SCROLL_AMOUNT)
        return None
    if kind == "press_key":
        page.keyboard.press(playwright_key(args[0]))
        return None
    note = None
    if kind in REF_ACTIONS:
        result = page.evaluate("(ref) => core.elementClick(ref)", args[0])
        if result is not True:
            note = f"no element with ref {args[0]} on the page"
    if kind.endswith("type_text"):
        page.keyboard.type(args[-1])
    elif kind.endswith("type_field"):
        page.keyboard.type(fields[args[-1]][1])
    return note
