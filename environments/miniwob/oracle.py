"""Scripted oracles for a dozen MiniWoB++ tasks: read what the agent sees (utterance, fields,
DOM), answer with the next action in the env's own action syntax.

Each oracle is a pure function of the page state (`MiniWoBEnv.page_state`), so it reacts to
the page as it is (a box already checked is not clicked again). They are the ceiling in
``benchmarks/miniwob_baselines.py``, the experts of SFT warm starts
(`MiniWoBEnv.demonstration`) and the tests' proof that an env can be won.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from agentrl.core.types import Task
from agentrl.environments.miniwob.dom import elements, flatten

Oracle = Callable[[dict[str, Any]], str]


def _field(state: dict[str, Any], key: str) -> str:
    return dict(state["fields"]).get(key, "")


def _nodes(state: dict[str, Any], tag: str | None = None, **attrs: str) -> list[dict]:
    found = []
    for node in elements(state.get("dom")):
        if tag is not None and str(node.get("tag", "")).lower() != tag:
            continue
        if all(str(node.get(k) or "") == v for k, v in attrs.items()):
            found.append(node)
    return found


def _click(node: dict[str, Any]) -> str:
    return f"click_element({node['ref']})"


def _fill(state: dict[str, Any], wanted: list[tuple[str, str]], submit_id: str) -> str:
    """Type each (input id, text) whose value differs, then press the submit button."""
    for input_id, text in wanted:
        box = next(n for n in elements(state.get("dom")) if n.get("id") == input_id)
        if box.get("value") != text:  # the boxes start empty: typing appends
            return f"focus_element_and_type_text({box['ref']}, {text!r})"
    return _click(_nodes(state, id=submit_id)[0])


def _labelled(state: dict[str, Any], kind: str) -> list[tuple[dict, str]]:
    """(input, its label's text) for every ``input_<kind>`` inside a label."""
    out = []
    for _, node in flatten(state.get("dom")):
        if str(node.get("tag", "")).lower() != "label":
            continue
        children = node.get("children") or []
        boxes = [c for c in children if str(c.get("tag", "")).lower() == f"input_{kind}"]
        text = " ".join(str(c.get("text", "")) for c in children
                        if str(c.get("tag", "")).lower() == "t")
        out += [(box, text.strip()) for box in boxes]
    return out


def click_button(state: dict[str, Any]) -> str:
    """Click the button whose text is the target field."""
    return _click(_nodes(state, "button", text=_field(state, "target"))[0])


def click_link(state: dict[str, Any]) -> str:
    """Click the ``.alink`` span whose text is the target field."""
    return _click(_nodes(state, "span", classes="alink", text=_field(state, "target"))[0])


def click_test(state: dict[str, Any]) -> str:
    """Click the one button."""
    return _click(_nodes(state, "button")[0])


def click_test_2(state: dict[str, Any]) -> str:
    """Click the button named in "Click button ONE."."""
    name = re.search(r"button (\S+?)\.?$", state["utterance"]).group(1)
    return _click(_nodes(state, "button", text=name)[0])


def click_dialog(state: dict[str, Any]) -> str:
    """Click the dialog's close button (jQuery UI's titlebar close)."""
    close = [n for n in _nodes(state, "button") if "titlebar-close" in str(n.get("classes"))]
    return _click(close[0])


def focus_text(state: dict[str, Any]) -> str:
    """Click (and so focus) the text box."""
    return _click(_nodes(state, "input_text")[0])


def focus_text_2(state: dict[str, Any]) -> str:
    """Click the n-th text box of "Focus into the 2nd input textbox."."""
    nth = int(re.search(r"(\d)(st|nd|rd|th)", state["utterance"]).group(1))
    return _click(_nodes(state, "input_text")[nth - 1])


def enter_text(state: dict[str, Any]) -> str:
    """Type the target into #tt, then Submit."""
    return _fill(state, [("tt", _field(state, "target"))], "subbtn")


def enter_password(state: dict[str, Any]) -> str:
    """Type the password into both boxes, then Submit."""
    password = _field(state, "target")
    return _fill(state, [("password", password), ("verify", password)], "subbtn")


def login_user(state: dict[str, Any]) -> str:
    """Type the username and password, then Login."""
    return _fill(state, [("username", _field(state, "username")),
                         ("password", _field(state, "password"))], "subbtn")


def click_checkboxes(state: dict[str, Any]) -> str:
    """Toggle every checkbox whose state differs from the utterance's list, then Submit."""
    wanted = {v for k, v in state["fields"] if k.startswith("target")}
    for box, label in _labelled(state, "checkbox"):
        if bool(box.get("value")) != (label in wanted):
            return _click(box)
    return _click(_nodes(state, id="subbtn")[0])


def click_option(state: dict[str, Any]) -> str:
    """Pick the radio button of the target, then Submit."""
    for box, label in _labelled(state, "radio"):
        if label == _field(state, "target") and not box.get("value"):
            return _click(box)
    return _click(_nodes(state, id="subbtn")[0])


ORACLES: dict[str, Oracle] = {
    "click-button": click_button, "click-link": click_link, "click-test": click_test,
    "click-test-2": click_test_2, "click-dialog": click_dialog, "focus-text": focus_text,
    "focus-text-2": focus_text_2, "enter-text": enter_text, "enter-password": enter_password,
    "login-user": login_user, "click-checkboxes": click_checkboxes,
    "click-option": click_option,
}


def oracle_action(name: str, state: dict[str, Any]) -> str:
    """The oracle's next action on task ``name`` in page state ``state``."""
    if name not in ORACLES:
        raise KeyError(f"miniwob: no oracle for {name!r}; oracles: {', '.join(ORACLES)}")
    return ORACLES[name](state)


def solve(env: Any, task: Task) -> list[str] | None:
    """Play ``task`` on ``env`` (a `MiniWoBEnv`) with its oracle; the actions, or None."""
    name = task.metadata.get("task")
    if name not in ORACLES:
        return None
    env.reset(task)
    played = []
    for _ in range(env.spec.max_turns):
        played.append(oracle_action(name, env.page_state))
        result = env.step(played[-1])
        if result.terminated or result.truncated:
            break
    return played
