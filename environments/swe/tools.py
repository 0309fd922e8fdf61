"""Carrying out one parsed action on the sandbox that holds the repository."""

from __future__ import annotations

from dataclasses import dataclass

from agentrl.environments.swe.actions import Action
from agentrl.sandbox import Sandbox

VIEW_MAX_LINES = 400


@dataclass
class ToolResult:
    """What the agent is told, whether the action was admissible, which file it edited."""

    text: str
    valid: bool = True
    edited_path: str | None = None


def run_action(sandbox: Sandbox, action: Action, command_timeout: float) -> ToolResult:
    """Run ``action`` (anything but ``submit``); file errors become invalid-action text."""
    try:
        if action.name == "bash":
            return _bash(sandbox, action.args["command"], command_timeout)
        if action.name == "view":
            return _view(sandbox, action.args)
        if action.name == "create":
            sandbox.write_file(action.args["path"], action.args["content"])
            return ToolResult(f"Created {action.args['path']}.", edited_path=action.args["path"])
        if action.name == "str_replace":
            return _str_replace(sandbox, **action.args)
    except FileNotFoundError:
        return ToolResult(f"{action.name}: no file {action.args.get('path')!r}.", valid=False)
    except (IsADirectoryError, NotADirectoryError):
        return ToolResult(
            f"{action.name}: {action.args.get('path')!r} is a directory; use 'bash: ls <dir>'.",
            valid=False,
        )
    except PermissionError as error:
        return ToolResult(f"{action.name}: {error}", valid=False)
    except ValueError as error:
        return ToolResult(f"{action.name}: {error}", valid=False)
    raise ValueError(f"run_action cannot run {action.name!r}")


def _bash(sandbox: Sandbox, command: str, timeout: float) -> ToolResult:
    result = sandbox.exec(command, timeout=timeout)
    text = f"(exit code {result.exit_code})\n{result.stdout}{result.stderr}"
    if result.timed_out:
        text += f"\n[the command was stopped after {timeout:g} s]"
    if result.truncated:
        text += "\n[output truncated]"
    return ToolResult(text)


def _view(sandbox: Sandbox, args: dict) -> ToolResult:
    lines = sandbox.read_file(args["path"]).splitlines()
    start = max(1, int(args.get("start_line") or 1))
    end = min(len(lines), int(args.get("end_line") or start + VIEW_MAX_LINES - 1))
    if lines and start > len(lines):
        return ToolResult(f"view: {args['path']} has only {len(lines)} lines.", valid=False)
    body = "\n".join(f"{n:4d}  {lines[n - 1]}" for n in range(start, end + 1))
    more = f"\n[lines {end + 1}-{len(lines)} not shown]" if end < len(lines) else ""
    return ToolResult(f"{args['path']} (lines {start}-{end} of {len(lines)}):\n{body}{more}")


def _str_replace(sandbox: Sandbox, path: str, old_str: str, new_str: str) -> ToolResult:
    content = sandbox.read_file(path)
    count = content.count(old_str) if old_str else 0
    if count != 1:
        problem = (
            "is empty"
            if not old_str
            else "was not found"
            if count == 0
            else (f"occurs {count} times; include more surrounding lines")
        )
        return ToolResult(
            f"str_replace: the old text {problem} in {path}; nothing changed.", valid=False
        )
    sandbox.write_file(path, content.replace(old_str, new_str, 1))
    return ToolResult(f"Edited {path}.", edited_path=path)
