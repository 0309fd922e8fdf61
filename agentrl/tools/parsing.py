"""Parse tool calls and final answers out of a raw model reply.

Accepted forms, tried in this order (the first that matches wins):

1. Hermes / Qwen chat-template calls: ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``,
   one tag per call. This is what Qwen2.5/Qwen3 and Hermes models emit when the prompt is
   built with transformers' ``apply_chat_template(tools=...)``.
2. ReAct actions: ``<action>name(arg=value, ...)</action>`` (Python call syntax, literal
   values; positional arguments are matched to the tool's parameters in schema order) or
   ``<action>{"name": ..., "arguments": {...}}</action>``.
3. A bare JSON reply (``{"name": ..., "arguments"|"parameters": {...}}`` or a list of them,
   optionally after Mistral's ``[TOOL_CALLS]`` marker): the Llama-3.1 / Mistral templates.

A final answer is ``<answer>...</answer>`` or a call of the ``final_answer`` tool (see
`ANSWER_TOOL`); both are the same to `ToolEnv`. Parsing never raises: a reply that cannot be
read becomes a `ParsedReply` whose ``error`` says what was wrong.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

ANSWER_TOOL = "final_answer"
"""Name of the built-in tool that ends an episode; its single argument is ``answer``."""

_TOOL_CALL = re.compile(r"<tool_call>(.*?)(?:</tool_call>|$)", re.DOTALL)
_ACTION = re.compile(r"<action>(.*?)</action>", re.DOTALL)
_ANSWER = re.compile(r"<answer>(.*?)</answer>", re.DOTALL)
_THINK = re.compile(r"<think>.*?(?:</think>|$)", re.DOTALL)


@dataclass
class ToolCall:
    """One call: a tool name and its arguments (``positional`` only from ReAct syntax)."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    positional: list[Any] = field(default_factory=list)

    def canonical(self) -> str:
        """A stable text form (sorted JSON) for state keys and logs."""
        payload = {"name": self.name, "arguments": self.arguments}
        if self.positional:
            payload["positional"] = self.positional
        return json.dumps(payload, sort_keys=True, default=str)


@dataclass
class ParsedReply:
    """What a reply asked for: tool calls, a final answer, or an error explaining neither."""

    calls: list[ToolCall] = field(default_factory=list)
    answer: str | None = None
    error: str | None = None


def parse_reply(text: str) -> ParsedReply:
    """Read the tool calls and final answer of one raw model reply (see the module doc)."""
    visible = _THINK.sub("", text)
    answer_match = _ANSWER.search(visible)
    answer = answer_match.group(1).strip() if answer_match else None
    for finder in (_hermes_calls, _react_calls, _bare_json_calls):
        found = finder(visible)
        if found is None:
            continue
        calls, error = found
        if error is not None:
            return ParsedReply(answer=answer, error=error)
        return _split_answer_call(calls, answer)
    if answer is not None:
        return ParsedReply(answer=answer)
    return ParsedReply(error=NO_CALL_MESSAGE)


NO_CALL_MESSAGE = (
    "No tool call found in your reply. Call a tool with "
    '<tool_call>{"name": "TOOL", "arguments": {...}}</tool_call>, '
    "or give your final answer with <answer>...</answer>."
)


def _split_answer_call(calls: list[ToolCall], answer: str | None) -> ParsedReply:
    """Calls before a ``final_answer`` call run; the answer call ends the turn."""
    kept: list[ToolCall] = []
    for call in calls:
        if call.name == ANSWER_TOOL:
            value = call.arguments.get("answer", call.positional[0] if call.positional else None)
            if value is None:
                return ParsedReply(
                    error=f"tool {ANSWER_TOOL!r} needs the argument 'answer', got "
                    f"{call.arguments!r}"
                )
            return ParsedReply(calls=kept, answer=str(value))
        kept.append(call)
    return ParsedReply(calls=kept, answer=answer)


def _hermes_calls(text: str) -> tuple[list[ToolCall], str | None] | None:
    bodies = _TOOL_CALL.findall(text)
    if not bodies:
        return None
    calls = []
    for body in bodies:
        call, error = _json_call(body, "<tool_call>")
        if error is not None:
            return [], error
        calls.append(call)
    return calls, None


def _react_calls(text: str) -> tuple[list[ToolCall], str | None] | None:
    bodies = _ACTION.findall(text)
    if not bodies:
        return None
    calls = []
    for body in bodies:
        body = body.strip()
        if body.startswith("{"):
            call, error = _json_call(body, "<action>")
        else:
            call, error = _python_call(body)
        if error is not None:
            return [], error
        calls.append(call)
    return calls, None


def _bare_json_calls(text: str) -> tuple[list[ToolCall], str | None] | None:
    body = text.strip().removeprefix("[TOOL_CALLS]").strip()
    if not body.startswith(("{", "[")):
        return None
    try:
        payload = json.loads(body)
    except json.JSONDecodeError:
        return None  # prose that happens to start with a bracket
    items = payload if isinstance(payload, list) else [payload]
    if not items or not all(isinstance(item, dict) and "name" in item for item in items):
        return None
    calls = []
    for item in items:
        call, error = _call_from_object(item, "JSON")
        if error is not None:
            return [], error
        calls.append(call)
    return calls, None


def _json_call(body: str, where: str) -> tuple[ToolCall, str | None]:
    try:
        payload = json.loads(body.strip())
    except json.JSONDecodeError as error:
        return ToolCall(""), f"the {where} body is not valid JSON ({error}): {body.strip()!r}"
    return _call_from_object(payload, where)


def _call_from_object(payload: Any, where: str) -> tuple[ToolCall, str | None]:
    if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
        return ToolCall(""), (
            f'the {where} call must be an object like {{"name": "TOOL", "arguments": {{...}}}}, '
            f"got {payload!r}"
        )
    arguments = payload.get("arguments", payload.get("parameters", {}))
    if isinstance(arguments, str):  # some templates serialise the arguments twice
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as error:
            return ToolCall(""), f"the arguments of {payload['name']!r} are not JSON ({error})"
    if not isinstance(arguments, dict):
        return ToolCall(""), (
            f"the arguments of {payload['name']!r} must be a JSON object, got {arguments!r}"
        )
    return ToolCall(payload["name"], arguments), None


def _python_call(body: str) -> tuple[ToolCall, str | None]:
    usage = "write name(arg=value, ...) with literal values"
    try:
        node = ast.parse(body, mode="eval").body
    except SyntaxError as error:
        return ToolCall(""), f"cannot read the action {body!r} as a call ({error.msg}); {usage}"
    if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
        return ToolCall(""), f"the action {body!r} is not a tool call; {usage}"
    try:
        positional = [ast.literal_eval(arg) for arg in node.args]
        keywords = {kw.arg: ast.literal_eval(kw.value) for kw in node.keywords if kw.arg}
    except ValueError:
        return ToolCall(""), f"the action {body!r} has a non-literal argument; {usage}"
    if len(keywords) != len(node.keywords):
        return ToolCall(""), f"the action {body!r} uses **kwargs; {usage}"
    return ToolCall(node.func.id, keywords, positional), None
