"""Agent programs the agent-program tests run: plain `openai` client code, as a user writes it.

``lookup_agent``: ask the model, run the tool it calls (a dictionary lookup), show the
result, ask again. Reward: 0.5 when a tool result was the task's answer, plus 0.5 when the
final answer contains it. It makes 2 calls when the first reply calls the tool, 1
otherwise — and one more when ``task.metadata["followup"]`` asks for a confirmation.
"""

from __future__ import annotations

import json
from typing import Any

from openai import AsyncOpenAI

CAPITALS = {"france": "Paris", "japan": "Tokyo", "peru": "Lima"}

LOOKUP_TOOL = {
    "type": "function",
    "function": {
        "name": "capital_of",
        "description": "The capital city of a country.",
        "parameters": {"type": "object", "properties": {"country": {"type": "string"}},
                       "required": ["country"]},
    },
}

TASKS = [
    {"id": "france", "instruction": "What is the capital of France?",
     "ground_truth": "Paris"},
    {"id": "japan", "instruction": "What is the capital of Japan?", "ground_truth": "Tokyo",
     "metadata": {"followup": True}},
    {"id": "peru", "instruction": "What is the capital of Peru?", "ground_truth": "Lima",
     "split": "valid"},
]


def capital_of(country: str) -> str:
    """The tool: a dictionary lookup."""
    return CAPITALS.get(country.strip().lower(), f"unknown country {country!r}")


async def lookup_agent(task: Any, base_url: str, client_kwargs: dict[str, Any]) -> Any:
    """Ask, run the tool calls of the reply, ask again (see the module doc)."""
    client = AsyncOpenAI(**client_kwargs)
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "Answer questions; use tools when they help."},
        {"role": "user", "content": task.instruction},
    ]
    reply = await _ask(client, messages)
    for call in reply.tool_calls or []:
        arguments = json.loads(call.function.arguments)
        messages.append({"role": "tool", "tool_call_id": call.id,
                         "content": capital_of(str(arguments.get("country", "")))})
    if reply.tool_calls:
        reply = await _ask(client, messages)
    if task.metadata.get("followup"):
        messages.append({"role": "user", "content": "Are you sure? Answer once more."})
        reply = await _ask(client, messages)
    answer = reply.content or ""
    looked_up = any(m["role"] == "tool" and m["content"] == task.ground_truth for m in messages)
    right = task.ground_truth.lower() in answer.lower()
    calls = sum(m["role"] == "assistant" for m in messages)
    return 0.5 * looked_up + 0.5 * right, {"answer": answer, "calls": calls}


async def _ask(client: AsyncOpenAI, messages: list[dict[str, Any]]) -> Any:
    response = await client.chat.completions.create(
        model="agentrl-policy", messages=messages, tools=[LOOKUP_TOOL])
    message = response.choices[0].message
    messages.append(message.model_dump(exclude_none=True))
    return message


async def raising_agent(task: Any, base_url: str, client_kwargs: dict[str, Any]) -> float:
    """Makes one call, then fails the way user code does."""
    client = AsyncOpenAI(**client_kwargs)
    await client.chat.completions.create(
        model="agentrl-policy", messages=[{"role": "user", "content": task.instruction}])
    raise KeyError("missing_field")


def silent_agent(task: Any, base_url: str, client_kwargs: dict[str, Any]) -> float:
    """Returns without calling the model (a plain, non-async function)."""
    return 1.0


async def slow_agent(task: Any, base_url: str, client_kwargs: dict[str, Any]) -> float:
    """Takes 3 s before its first call (longer than the timeout the test sets)."""
    import asyncio

    await asyncio.sleep(3)
    return 0.0
