"""The search-QA oracle: search each entity on the question's chain, open it, answer.

It knows the chain from the task's metadata (``lookup_names``, ``lookups``), so it issues
the right searches; the env still runs the real retriever, so a test that the oracle
succeeds also tests that retrieval finds every document it needs.
"""

from __future__ import annotations

import json

from agentrl.core.types import Task


def _call(name: str, **arguments: str) -> str:
    return f"<tool_call>{json.dumps({'name': name, 'arguments': arguments})}</tool_call>"


def oracle_replies(task: Task) -> list[str]:
    """The raw replies the oracle sends, in order: (search, open) per hop, then the answer."""
    if task.ground_truth is None or "lookups" not in task.metadata:
        raise ValueError(f"task {task.id!r} is not a generated search-QA task; no oracle for it")
    replies = []
    for name, doc_id in zip(task.metadata["lookup_names"], task.metadata["lookups"], strict=True):
        replies.append(_call("search", query=name))
        replies.append(_call("open", doc_id=doc_id))
    replies.append(f"<answer>{task.ground_truth}</answer>")
    return replies
