"""ReAct action parsing: which text of a reply becomes the action, and when it is invalid."""

from __future__ import annotations

from agentrl.rollout.parsing import MAX_ACTION_CHARS, ParsedAction, parse_react, parse_reply

EMPTY = "the <action></action> is empty"


def test_action_inside_tags_after_thinking() -> None:
    reply = "<think>The exit is right.</think><action> go right </action>"
    assert parse_react(reply) == ParsedAction("go right")


def test_tags_are_case_insensitive_and_span_lines() -> None:
    assert parse_react("<ACTION>open\ndoor</Action>") == ParsedAction("open\ndoor")


def test_last_action_tag_wins() -> None:
    assert parse_react("<action>left</action> no wait <action>right</action>").action == "right"


def test_truncated_action_without_closing_tag_is_used() -> None:
    assert parse_react("<think>hm</think><action>take key").action == "take key"


def test_no_tags_is_invalid_unless_lenient() -> None:
    reply = "<think>go</think>\n\n  right  \nthen left"
    strict = parse_react(reply)
    assert strict.action is None and "no <action>" in (strict.error or "")
    assert parse_react(reply, lenient=True) == ParsedAction("right")


def test_lenient_reply_with_only_whitespace_is_empty() -> None:
    assert parse_react("  \n ", lenient=True) == ParsedAction(None, EMPTY)


def test_empty_action_is_invalid() -> None:
    assert parse_react("<action>   </action>") == ParsedAction(None, EMPTY)


def test_too_long_action_is_invalid() -> None:
    at_limit = "a" * MAX_ACTION_CHARS
    assert parse_react(f"<action>{at_limit}</action>").action == at_limit
    parsed = parse_react(f"<action>{at_limit}b</action>")
    assert parsed.action is None
    assert parsed.error == f"the action is longer than {MAX_ACTION_CHARS} characters"


def test_tool_call_envs_get_the_whole_reply() -> None:
    reply = '<tool_call>{"name": "add", "arguments": {"a": 1}}</tool_call>'
    assert parse_reply(reply, "tool_call") == ParsedAction(reply)
    assert parse_reply("<action>x</action>", "text") == ParsedAction("x")
