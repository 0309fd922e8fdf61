"""MiniWoB++'s reward, as the task pages compute it and ``miniwob.reward`` reads it.

A page ends an episode with ``core.endEpisode(reward, time_proportional)``: the raw reward
is in [-1, 1] (some tasks pay partial credit), ``-1`` when the time limit fires, and with
``time_proportional`` a positive reward is scaled by ``max(0, 1 - elapsed / EPISODE_MAX_TIME)``
(core.js). The package's reward processors (``miniwob/reward.py``) choose what an agent
receives: ``original`` (the time-scaled reward, the package's default), ``raw`` (without
the time penalty) and ``binary`` (+1 when the raw reward is exactly 1, else -1). An
episode succeeds when its raw reward is positive, as in MiniWoB++'s success rate.
"""

from __future__ import annotations

from typing import Any

REWARDS = ("original", "raw", "binary")


def episode_reward(meta: dict[str, Any], kind: str = "original") -> float:
    """The reward of a step whose page state is ``meta`` (``done``, ``env_reward``,
    ``raw_reward``): 0 until the page says done, then the ``kind`` processor's value."""
    if kind not in REWARDS:
        raise ValueError(f"miniwob: reward {kind!r} is not one of {', '.join(REWARDS)}")
    if not meta.get("done"):
        return 0.0
    if kind == "original":
        return float(meta["env_reward"])
    if kind == "raw":
        return float(meta["raw_reward"])
    return 1.0 if float(meta["raw_reward"]) == 1.0 else -1.0


def success(meta: dict[str, Any]) -> bool:
    """An episode succeeds when the page said done with a positive raw reward."""
    return bool(meta.get("done")) and float(meta.get("raw_reward") or 0.0) > 0.0
