"""Determinism rules: the same task and seed give the same first observation, and replaying
them gives the same ``state_key``s."""

from __future__ import annotations

import random

from agentrl.core.checks.context import CheckContext, choose_action


def check_reset_deterministic(ctx: CheckContext) -> list[str]:
    """Same task and seed give the same first observation (text, actions, state_key)."""
    task = ctx.first_tasks()[0]
    first = ctx.env.reset(task, seed=ctx.seed)
    second = ctx.env.reset(task, seed=ctx.seed)
    differs = [
        name
        for name in ("text", "available_actions", "state_key", "images", "tools")
        if getattr(first, name, None) != getattr(second, name, None)
    ]
    if not differs:
        return []
    return [
        f"two resets with the same task and seed={ctx.seed} gave different first observations "
        f"(differs: {', '.join(differs)}); derive all randomness from the task and the seed "
        "passed to reset()"
    ]



def check_state_key_stable(ctx: CheckContext) -> list[str]:
    """Replaying the same task, seed and first action gives the same state_keys."""
    task = ctx.first_tasks()[0]
    keys = []
    for _ in range(2):
        observation = ctx.env.reset(task, seed=ctx.seed)
        result = ctx.env.step(choose_action(observation, random.Random(ctx.seed)))
        after = getattr(getattr(result, "observation", None), "state_key", None)
        keys.append((getattr(observation, "state_key", None), after))
    if keys[0] == keys[1]:
        return []
    return [
        f"replaying the same task, seed and action gave state_keys {keys[0]} then {keys[1]}; "
        "state_key must depend only on the situation (no counters, ids or timestamps)"
    ]
