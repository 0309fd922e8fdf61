"""What crosses the gateway: a call's messages → an observation; a reply → a completion.

A reply's tool calls are read in the Hermes / Qwen chat-template format, one
``<tool_call>{"name": …, "arguments": {…}}</tool_call>`` per call; they become the
completion's ``tool_calls`` (arguments as a JSON string, as the OpenAI API sends them) and
are cut from its ``content``. A block that is not such JSON (arguments must be an object)
stays in the content, so the program sees what the model wrote, and makes the reply
invalid (`reply_problem`), as do an empty reply and a call of a tool the request did not
offer. Tool-call ids are ``call_<turn>_<index>``: the same in
every rollout of a group, so state keys built from later tool messages agree.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

from agentrl.core.env import digest_state

_TOOL_CALL = re.compile(r"<tool_call>(.*?)</tool_call>", re.DOTALL)


def parse_tool_calls(reply: str, turn: int) -> tuple[str, list[dict[str, Any]]]:
    """``reply`` split into its text and OpenAI-format tool calls (see the module doc)."""
    calls: list[dict[str, Any]] = []

    def take(match: re.Match[str]) -> str:
        try:
            payload = json.loads(match.group(1))
        except ValueError:
            return match.group(0)
        if not (isinstance(payload, dict) and isinstance(payload.get("name"), str)):
            return match.group(0)
        arguments = payload.get("arguments", payload.get("parameters", {}))
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments)
            except ValueError:
                return match.group(0)
        if not isinstance(arguments, dict):
            return match.group(0)
        arguments = json.dumps(arguments)
        calls.append({"id": f"call_{turn}_{len(calls)}", "type": "function",
                      "function": {"name": payload["name"], "arguments": arguments}})
        return ""

    text = _TOOL_CALL.sub(take, reply)
    return (text.strip() if calls else text), calls


def reply_problem(reply: str, body: dict[str, Any], turn: int) -> str | None:
    """Why ``reply`` is not a well-formed answer to the call ``body``, or None."""
    text, calls = parse_tool_calls(reply, turn)
    if not reply.strip():
        return "the reply is empty"
    if "<tool_call>" in text:
        return "a <tool_call> block is not JSON {\"name\": ..., \"arguments\": {...}}"
    offered = {(t.get("function") or {}).get("name") for t in body.get("tools") or []
               if isinstance(t, dict)}
    unknown = [c["function"]["name"] for c in calls if c["function"]["name"] not in offered]
    if unknown:
        return f"the reply calls tools the request did not offer: {unknown}"
    return None


def completion(reply: str, body: dict[str, Any], turn: int) -> dict[str, Any]:
    """The chat-completion response carrying ``reply`` to the call whose request was
    ``body``. Usage counts are 0: the runner records the tokens, not the gateway."""
    text, calls = parse_tool_calls(reply, turn)
    message: dict[str, Any] = {"role": "assistant", "content": text or None}
    if calls:
        message["tool_calls"] = calls
    return {
        "id": f"chatcmpl-agentrl-{turn}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("model") or "agentrl-policy"),
        "choices": [{"index": 0, "message": message, "logprobs": None,
                     "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
    }


def new_messages(previous: list[dict[str, Any]] | None,
                 messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The non-assistant messages ``messages`` adds to the previous call's conversation.

    When the program kept its history (the previous call's messages are a prefix), that is
    what it appended since (tool results, observations, a new user turn); when it rewrote
    its history, every non-assistant message of this call counts as new.
    """
    start = 0
    if previous is not None and messages[: len(previous)] == previous:
        start = len(previous)
    return [m for m in messages[start:] if m.get("role") != "assistant"]


def _visible(message: dict[str, Any]) -> dict[str, Any]:
    """What a message showed the model, without per-episode ids (``tool_call_id``)."""
    return {"role": message.get("role"), "name": message.get("name"),
            "content": message.get("content")}


def state_key(shown: list[dict[str, Any]]) -> str:
    """Digest of what the program showed the model since its previous call."""
    return digest_state([_visible(m) for m in shown])


def flatten_text_parts(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``messages`` with each content that is a list of text parts only replaced by those
    texts joined with newlines (as vLLM's OpenAI server does), so text-only chat templates,
    which concatenate strings, render them. Other contents (images) are kept."""
    flat = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list) and content and all(
                isinstance(p, dict) and p.get("type") == "text" for p in content):
            message = {**message, "content": "\n".join(str(p.get("text", "")) for p in content)}
        flat.append(message)
    return flat


def content_text(content: Any) -> str:
    """A message content as text: strings as they are, text parts joined, others noted."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", f"[{p.get('type', 'part')}]"))
                         if isinstance(p, dict) else str(p) for p in content)
    return str(content)


def observation_text(shown: list[dict[str, Any]]) -> str:
    """A readable view of the new messages, one ``[role] content`` block each."""
    return "\n\n".join(f"[{m.get('role')}] {content_text(m.get('content'))}" for m in shown)
