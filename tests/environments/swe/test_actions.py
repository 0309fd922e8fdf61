"""Parsing the SWE env's text actions and tool calls."""

from __future__ import annotations

import json

import pytest

from agentrl.environments.swe.actions import (
    TOOL_NAMES,
    Action,
    ActionError,
    parse_text_action,
    parse_tool_call,
    to_text_action,
    to_tool_call,
)


def test_text_actions_of_every_tool() -> None:
    assert parse_text_action("bash: ls -la") == Action("bash", {"command": "ls -la"})
    assert parse_text_action("view: a/b.py") == Action("view", {"path": "a/b.py"})
    assert parse_text_action("view: a.py:3-9") == Action(
        "view", {"path": "a.py", "start_line": 3, "end_line": 9}
    )
    assert parse_text_action("create: n.py\nx = 1") == Action(
        "create", {"path": "n.py", "content": "x = 1\n"}
    )
    assert parse_text_action("  submit \n") == Action("submit")


def test_str_replace_block_keeps_exact_lines() -> None:
    text = (
        "str_replace: m.py\n<<<<<<< SEARCH\n    if a < b:\n=======\n    if a <= b:\n>>>>>>> REPLACE"
    )
    action = parse_text_action(text)
    assert action == Action(
        "str_replace", {"path": "m.py", "old_str": "    if a < b:\n", "new_str": "    if a <= b:\n"}
    )
    assert parse_text_action(to_text_action(action)) == action


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("look around", "start with one of"),
        ("bash:", "needs a command"),
        ("view:", "needs a file path"),
        ("str_replace: m.py\nold\nnew", "SEARCH"),
        ("submit now", "start with one of"),
    ],
)
def test_malformed_text_actions_explain_themselves(text: str, message: str) -> None:
    with pytest.raises(ActionError, match=message):
        parse_text_action(text)


def test_tool_calls_round_trip_and_are_checked() -> None:
    action = Action("str_replace", {"path": "a.py", "old_str": "x", "new_str": "y"})
    reply = "I will fix it.\n" + to_tool_call(action)
    assert parse_tool_call(reply) == action
    assert parse_tool_call('<tool_call>{"name": "submit", "arguments": {}}</tool_call>') == Action(
        "submit"
    )
    args_as_string = json.dumps({"name": "bash", "arguments": json.dumps({"command": "ls"})})
    assert parse_tool_call(f"<tool_call>{args_as_string}</tool_call>") == Action(
        "bash", {"command": "ls"}
    )


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("no call here", "no tool call found"),
        ("<tool_call>{not json}</tool_call>", "not valid JSON"),
        ('<tool_call>{"name": "rm", "arguments": {}}</tool_call>', "unknown tool 'rm'"),
        ('<tool_call>{"name": "view", "arguments": {}}</tool_call>', "missing argument"),
        ('<tool_call>{"name": "view", "arguments": {"path": 3}}</tool_call>', "must be a string"),
        ('<tool_call>{"name": "bash", "arguments": {"cmd": "ls"}}</tool_call>', "missing"),
    ],
)
def test_bad_tool_calls_explain_themselves(reply: str, message: str) -> None:
    with pytest.raises(ActionError, match=message):
        parse_tool_call(reply)


def test_tool_names() -> None:
    assert TOOL_NAMES == ("bash", "view", "str_replace", "create", "submit")
