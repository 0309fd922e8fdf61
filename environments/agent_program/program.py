"""Running a user's agent program: load it, run it in a thread with its own event loop.

A program is ``async def program(task, base_url, client_kwargs) -> float | (float, dict)``
(a plain function returning the same is accepted too). ``client_kwargs`` are ready for
``openai.AsyncOpenAI(**client_kwargs)``: ``base_url``, a placeholder ``api_key``, the
timeout, and ``max_retries=0`` (a retried call would be a second turn).
"""

from __future__ import annotations

import asyncio
import inspect
import json
import math
import threading
from collections.abc import Callable
from typing import Any

from agentrl.core.registry import resolve_entry_point
from agentrl.core.types import Task
from agentrl.environments.agent_program.gateway import Channel

Program = Callable[[Task, str, dict[str, Any]], Any]


class AgentProgramError(RuntimeError):
    """The agent program failed: it raised, returned a bad value, or made no call."""


def load_program(program: str | Program) -> Program:
    """``program`` itself if callable, else the object a ``"module:function"`` names."""
    if isinstance(program, str) and ":" not in program:
        raise ValueError(f"program={program!r}: give 'package.module:function' or a callable")
    try:
        target = resolve_entry_point(program)
    except (ImportError, AttributeError) as error:
        raise ValueError(f"program={program!r} cannot be loaded: {error}") from error
    if not callable(target):
        raise TypeError(f"program={program!r} is not callable")
    return target


def client_kwargs(base_url: str, timeout_s: float) -> dict[str, Any]:
    """Keyword arguments for an OpenAI client talking to ``base_url``."""
    return {"base_url": base_url, "api_key": "agentrl", "timeout": timeout_s, "max_retries": 0}


def start(program: Program, task: Task, channel: Channel) -> threading.Thread:
    """Run ``program`` for ``task`` in a daemon thread with its own event loop; its return
    value (``("done", value)``) or exception (``("error", exc)``) goes to ``channel``."""

    def run() -> None:
        kwargs = client_kwargs(channel.base_url, channel.reply_timeout_s)
        try:
            result = program(task, channel.base_url, kwargs)
            if inspect.isawaitable(result):
                result = asyncio.run(_await(result))
            channel.events.put(("done", result))
        except BaseException as error:  # noqa: BLE001 - reported to the env as the episode's error
            channel.events.put(("error", error))

    thread = threading.Thread(target=run, name=f"agent-program-{channel.id[:8]}", daemon=True)
    thread.start()
    return thread


async def _await(awaitable: Any) -> Any:
    return await awaitable


def reward_and_info(value: Any) -> tuple[float, dict[str, Any]]:
    """A program's return value as (reward, info): a number, or (number, dict)."""
    info: Any = {}
    if isinstance(value, tuple) and len(value) == 2:
        value, info = value
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AgentProgramError(f"the program returned {value!r}; return a finite reward "
                                "(float) or (reward, info_dict)")
    if not isinstance(info, dict):
        raise AgentProgramError(f"the program's info is {type(info).__name__}; return a dict")
    try:
        info = json.loads(json.dumps(info, default=str))
    except (TypeError, ValueError) as error:
        raise AgentProgramError(f"the program's info cannot be saved as JSON: {error}") from None
    return float(value), info
