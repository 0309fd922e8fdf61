"""Action parsing: the model's reply → the action sent to the env, or why it is invalid."""

from __future__ import annotations

import re
from dataclasses import dataclass

ACTION_TAG = re.compile(r"<action>(.*?)</action>", re.DOTALL | re.IGNORECASE)
OPEN_ACTION = re.compile(r"<action>(.*)$", re.DOTALL | re.IGNORECASE)
MAX_ACTION_CHARS = 500


@dataclass(frozen=True)
class ParsedAction:
    """``action`` is what the env receives; ``error`` is set when the reply is malformed."""

    action: str | None
    error: str | None = None


def parse_react(reply: str, *, lenient: bool = False) -> ParsedAction:
    """Take the last ``<action>…</action>`` of a ReAct reply.

    A reply cut before ``</action>`` (token limit) still yields the text after the last
    ``<action>``. With ``lenient``, a reply with no tags at all uses its first non-empty
    line (after any ``</think>``) — useful for small models that ignore the format.
    """
    matches = ACTION_TAG.findall(reply)
    if matches:
        action = matches[-1].strip()
    elif (cut := OPEN_ACTION.search(reply)) is not None:
        action = cut.group(1).strip()
    elif lenient:
        tail = reply.rsplit("</think>", 1)[-1]
        lines = [line.strip() for line in tail.splitlines() if line.strip()]
        action = lines[0] if lines else ""
    else:
        return ParsedAction(None, "no <action>...</action> in the reply")
    if not action:
        return ParsedAction(None, "the <action></action> is empty")
    if len(action) > MAX_ACTION_CHARS:
        return ParsedAction(None, f"the action is longer than {MAX_ACTION_CHARS} characters")
    return ParsedAction(action)


def parse_reply(reply: str, action_format: str, *, lenient: bool = False) -> ParsedAction:
    """Dispatch on the env's action format: tool-call envs get the whole reply."""
    if action_format == "tool_call":
        return ParsedAction(reply)
    return parse_react(reply, lenient=lenient)
