"""``tools/python``: arithmetic tasks with a calculator tool, plus Python when sandboxed.

The ``calculator(expression)`` tool (a restricted in-process evaluator) is always offered.
When `agentrl.sandbox` can create a sandbox (``backend="auto"`` tries bubblewrap), a
``python(code)`` tool runs code in it, without network and under its limits, and returns
stdout (and stderr, exit code, timeout when relevant). ``backend=None`` never sandboxes;
naming a backend (``"bwrap"``, ``"docker"``, ``"local"``) requires it.
"""

from __future__ import annotations

import importlib
from typing import Any

from agentrl.core.types import Task
from agentrl.environments.calculator.evaluator import CalculatorError, evaluate
from agentrl.environments.calculator.tasks import ENV_ID, generate_tasks, oracle_replies
from agentrl.tools.decorator import Tool, tool
from agentrl.tools.toolenv import ToolEnv

DESCRIPTION = (
    "Solve the arithmetic task with the tools. Call a tool with "
    '<tool_call>{"name": "calculator", "arguments": {"expression": "2 * (3 + 4)"}}</tool_call>'
    " and give the exact result with <answer>...</answer>."
)


@tool
def calculator(expression: str) -> str:
    """Evaluate an arithmetic expression (+ - * / // % **, parentheses, sqrt, log, pi...).

    Args:
        expression: The expression, e.g. "(12 + 3) * 7".
    """
    try:
        return str(evaluate(expression))
    except CalculatorError as error:
        return f"Error: {error}"


def open_sandbox(backend: str | None, **limits: Any) -> Any | None:
    """A sandbox of ``backend`` ("auto": bwrap if it works, else None), or None."""
    if backend is None:
        return None
    try:
        module = importlib.import_module("agentrl.sandbox")
        create = module.create
    except (ImportError, AttributeError):
        if backend == "auto":
            return None
        raise RuntimeError(
            f"tools/python: backend={backend!r} needs agentrl.sandbox.create"
        ) from None
    try:
        return create("bwrap" if backend == "auto" else backend, **limits)
    except Exception:
        if backend == "auto":
            return None
        raise


def python_tool(sandbox: Any, timeout: float = 10.0) -> Tool:
    """A ``python(code)`` tool that runs ``code`` as a script in ``sandbox``."""

    @tool
    def python(code: str) -> str:
        """Run a Python 3 script in a sandbox (no network) and return what it prints.

        Args:
            code: The script; print() what you want to see.
        """
        sandbox.write_file("main.py", code)
        result = sandbox.exec("python3 main.py", timeout=timeout)
        parts = [result.stdout]
        if result.stderr:
            parts.append(f"stderr:\n{result.stderr}")
        if result.timed_out:
            parts.append(f"(timed out after {timeout:g} s)")
        elif result.exit_code != 0:
            parts.append(f"(exit code {result.exit_code})")
        return "\n".join(part for part in parts if part) or "(no output)"

    return python


class PythonToolEnv(ToolEnv):
    """Arithmetic with a calculator and, when a sandbox is available, Python.

    Args:
        backend: "auto" (sandbox if one can be made), None (calculator only), or a backend.
        tasks_per_split: Generated tasks per split.
        max_turns: Turn limit.
        exec_timeout: Seconds a ``python`` call may run.
        options: Further `ToolEnv` options.
    """

    def __init__(
        self,
        backend: str | None = "auto",
        tasks_per_split: int = 64,
        max_turns: int = 6,
        exec_timeout: float = 10.0,
        **options: Any,
    ) -> None:
        self._python_config = {
            "backend": backend, "tasks_per_split": tasks_per_split, "max_turns": max_turns,
            "exec_timeout": exec_timeout, **options,
        }  # fmt: skip
        self.sandbox = open_sandbox(backend, wall_time_s=exec_timeout, memory_mb=512)
        tools = [calculator]
        if self.sandbox is not None:
            tools.append(python_tool(self.sandbox, exec_timeout))
        tasks = [
            task
            for split in ("train", "valid", "heldout")
            for task in generate_tasks(split, tasks_per_split)
        ]
        options.setdefault("description", DESCRIPTION)
        super().__init__(tools=tools, tasks=tasks, max_turns=max_turns, env_id=ENV_ID, **options)

    def copy(self, **overrides: Any) -> PythonToolEnv:
        """A fresh env (with its own sandbox) with the same options."""
        return PythonToolEnv(**{**self._python_config, **overrides})

    def demonstration(self, task: Task) -> list[str] | None:
        """One calculator call on the task's expression, then the answer."""
        return oracle_replies(task) if "expression" in task.metadata else None

    def close(self) -> None:
        """Close the sandbox and the tool loop; safe to call twice."""
        super().close()
        if self.sandbox is not None:
            self.sandbox.close()
            self.sandbox = None
