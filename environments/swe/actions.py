"""The SWE env's actions: a small tool set, written as text commands or as tool calls.

Text format (``action_format="text"``; the runner passes the text inside <action> tags)::

    bash: <command>                 run a shell command in the repository
    view: <path>                    show a file with line numbers (or ``view: <path>:10-40``)
    create: <path>                  first line; the file's full content follows
    <content ...>
    str_replace: <path>             first line; then one SEARCH/REPLACE block
    <<<<<<< SEARCH
    <exact old lines, occurring once in the file>
    =======
    <new lines>
    >>>>>>> REPLACE
    submit                          finish; the hidden tests are run

Tool-call format (``tool_calls=True``): the raw reply holds
``<tool_call>{"name": "...", "arguments": {...}}</tool_call>`` with the tools of `TOOLS`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

TEXT_FORMAT_HELP = __doc__.split("Text format", 1)[1].split("Tool-call format", 1)[0]


class ActionError(ValueError):
    """A malformed action; the message tells the agent how to write it."""


@dataclass(frozen=True)
class Action:
    """A parsed action: a tool ``name`` and its ``args``."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)

    def canonical(self) -> str:
        """A stable one-string form (for ``state_key``)."""
        return json.dumps([self.name, self.args], sort_keys=True)


def _tool(name: str, description: str, **properties: tuple[str, str]) -> dict[str, Any]:
    required = [key for key, (_, desc) in properties.items() if not desc.startswith("Optional")]
    return {
        "type": "function",
        "function": {
            "name": name,
            "description": description,
            "parameters": {
                "type": "object",
                "properties": {
                    k: {"type": t, "description": d} for k, (t, d) in properties.items()
                },
                "required": required,
            },
        },
    }


TOOLS: list[dict[str, Any]] = [
    _tool(
        "bash",
        "Run a shell command in the repository root.",
        command=("string", "The command line."),
    ),
    _tool(
        "view",
        "Show a file with line numbers.",
        path=("string", "File path."),
        start_line=("integer", "Optional first line (1-based)."),
        end_line=("integer", "Optional last line (inclusive)."),
    ),
    _tool(
        "str_replace",
        "Replace text that occurs exactly once in a file.",
        path=("string", "File path."),
        old_str=("string", "Exact text to replace."),
        new_str=("string", "Replacement text."),
    ),
    _tool(
        "create",
        "Create or overwrite a file.",
        path=("string", "File path."),
        content=("string", "Full file content."),
    ),
    _tool("submit", "Finish: your changes are tested with the hidden tests."),
]
TOOL_NAMES = tuple(tool["function"]["name"] for tool in TOOLS)

_SEARCH = re.compile(
    r"^<{5,9} ?SEARCH[ \t]*\n(?P<old>.*?)^={5,9}[ \t]*\n(?P<new>.*?)^>{5,9} ?REPLACE[ \t]*$",
    re.DOTALL | re.MULTILINE,
)
_VIEW_RANGE = re.compile(r"^(?P<path>.+?):(?P<start>\d+)-(?P<end>\d+)$")


def parse_text_action(text: str) -> Action:
    """Parse one text action; `ActionError` explains what is wrong."""
    stripped = text.strip("\n")
    head, _, body = stripped.partition("\n")
    command, colon, rest = head.partition(":")
    command = command.strip().lower()
    if command == "submit" and not rest.strip() and not body.strip():
        return Action("submit")
    if not colon or command not in TOOL_NAMES:
        raise ActionError(
            f"cannot read the action {head[:60]!r}; start with one of: bash:, view:, "
            "create:, str_replace:, or write submit"
        )
    argument = rest.strip()
    if command == "bash":
        line = (argument + ("\n" + body if body else "")).strip()
        if not line:
            raise ActionError("bash: needs a command, e.g. 'bash: ls'")
        return Action("bash", {"command": line})
    if not argument:
        raise ActionError(f"{command}: needs a file path on the first line")
    if command == "view":
        match = _VIEW_RANGE.match(argument)
        if match:
            start, end = int(match["start"]), int(match["end"])
            return Action("view", {"path": match["path"], "start_line": start, "end_line": end})
        return Action("view", {"path": argument})
    if command == "create":
        return Action("create", {"path": argument, "content": body + ("\n" if body else "")})
    match = _SEARCH.search(body + "\n")
    if not match:
        raise ActionError(
            "str_replace: after the path line write one block:\n<<<<<<< SEARCH\n"
            "old lines\n=======\nnew lines\n>>>>>>> REPLACE"
        )
    return Action(
        "str_replace", {"path": argument, "old_str": match["old"], "new_str": match["new"]}
    )


def parse_tool_call(reply: str) -> Action:
    """Parse the first ``<tool_call>{json}</tool_call>`` of a raw model reply."""
    match = re.search(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", reply, re.DOTALL)
    if not match:
        raise ActionError(
            'no tool call found; write <tool_call>{"name": ..., "arguments": {...}}</tool_call>'
        )
    try:
        call = json.loads(match.group(1))
    except json.JSONDecodeError as error:
        raise ActionError(f"the tool call is not valid JSON: {error}") from error
    if not isinstance(call, dict) or call.get("name") not in TOOL_NAMES:
        name = call.get("name") if isinstance(call, dict) else None
        raise ActionError(f"unknown tool {name!r}; tools: {', '.join(TOOL_NAMES)}")
    arguments = call.get("arguments") or {}
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments)
        except json.JSONDecodeError as error:
            raise ActionError(f"tool arguments are not valid JSON: {error}") from error
    return _checked(Action(call["name"], dict(arguments)))


def _checked(action: Action) -> Action:
    """Check a tool call's arguments against its schema's required keys and types."""
    spec = next(t["function"]["parameters"] for t in TOOLS if t["function"]["name"] == action.name)
    missing = [key for key in spec["required"] if key not in action.args]
    if missing:
        raise ActionError(f"{action.name}: missing argument(s) {', '.join(missing)}")
    unknown = [key for key in action.args if key not in spec["properties"]]
    if unknown:
        raise ActionError(f"{action.name}: unknown argument(s) {', '.join(unknown)}")
    for key, value in action.args.items():
        wanted = spec["properties"][key]["type"]
        if (wanted == "integer") != isinstance(value, int) or (
            wanted == "string" and not isinstance(value, str)
        ):
            raise ActionError(f"{action.name}: argument {key} must be a {wanted}")
    return action


def to_text_action(action: Action) -> str:
    """Write ``action`` in the text format (the oracle uses it)."""
    args = action.args
    if action.name == "submit":
        return "submit"
    if action.name == "bash":
        return f"bash: {args['command']}"
    if action.name == "view":
        return f"view: {args['path']}"
    if action.name == "create":
        return f"create: {args['path']}\n{args['content']}"
    old, new = (
        text if text.endswith("\n") or not text else text + "\n"
        for text in (args["old_str"], args["new_str"])
    )
    return f"str_replace: {args['path']}\n<<<<<<< SEARCH\n{old}=======\n{new}>>>>>>> REPLACE"


def to_tool_call(action: Action) -> str:
    """Write ``action`` as a Hermes/Qwen tool call."""
    return f"<tool_call>{json.dumps({'name': action.name, 'arguments': action.args})}</tool_call>"
