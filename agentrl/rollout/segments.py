"""Segments: where a turn's prompt stops extending the conversation before it.

The runner records each turn token in, token out: the exact ``prompt_ids`` fed, the
sampled ``action_ids`` and their log-probs, and the trainer scores exactly those, one
training row per turn, never re-tokenised. Turn t *extends* turn t-1 when its prompt starts
with turn t-1's ``prompt_ids + action_ids``: the conversation grew by appending. A chat
template that rewrites past turns breaks that (Qwen3's strips earlier ``<think>`` blocks;
templates re-render tool calls in their own spelling), and so does a program that edits
its own history. Such a turn starts a new segment: `mark_new_segments` sets
``info["new_segment"] = True`` on it, and ``info["segment_cause"]`` to ``"template"`` when
the messages did extend (the program appended, the template rewrote) or ``"history"``
when the messages did not. Only turns whose observation carries its chat ``messages``
(agent programs) are judged: other envs build prompts from a kept window of the history,
which is not meant to extend. ``rollout/template_rewrites`` counts the ``"template"`` ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agentrl.core.types import Trajectory, Turn


def extends(previous: Turn, turn: Turn) -> bool:
    """Whether ``turn.prompt_ids`` starts with ``previous.prompt_ids + previous.action_ids``."""
    prefix = previous.prompt_ids + previous.action_ids
    return turn.prompt_ids[: len(prefix)] == prefix


def _messages_extend(previous: Turn, turn: Turn) -> bool:
    before = previous.observation.messages or []
    now = turn.observation.messages or []
    return len(now) > len(before) and now[: len(before)] == before


def segment_breaks(trajectory: Trajectory) -> list[tuple[int, str]]:
    """(turn index, cause) of each turn that starts a new segment (see the module doc)."""
    breaks = []
    turns = trajectory.turns
    for index in range(1, len(turns)):
        previous, turn = turns[index - 1], turns[index]
        if turn.observation.messages is None or extends(previous, turn):
            continue
        cause = "template" if _messages_extend(previous, turn) else "history"
        breaks.append((index, cause))
    return breaks


def mark_new_segments(trajectory: Trajectory) -> int:
    """Set ``info["new_segment"]`` / ``info["segment_cause"]`` on the turns that start a new
    segment; return how many of them the chat template caused."""
    rewrites = 0
    for index, cause in segment_breaks(trajectory):
        info: dict[str, Any] = trajectory.turns[index].info
        info["new_segment"] = True
        info["segment_cause"] = cause
        rewrites += cause == "template"
    return rewrites


def count_template_rewrites(trajectories: Iterable[Trajectory]) -> int:
    """How many turns of ``trajectories`` a chat template's rewrite of past turns broke
    (``rollout/template_rewrites``)."""
    return sum(cause == "template" for t in trajectories for _, cause in segment_breaks(t))
