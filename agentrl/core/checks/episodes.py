"""Rules on playing episodes: reset and step return the right types, scripted episodes run
without raising and end within ``max_turns``, stepping after the end raises, ``close()``
twice is fine.

Decided here: stepping after the episode ended must raise an exception
with a message, e.g. ``RuntimeError("episode is over; call reset()")``; returning a result
silently is a violation.
"""

from __future__ import annotations

import math
from typing import Any

from agentrl.core.checks.context import CheckContext, describe, play_episode
from agentrl.core.types import Observation, StepResult


def observation_problems(observation: Any, where: str) -> list[str]:
    """Type problems of one observation, each naming ``where`` it came from."""
    if not isinstance(observation, Observation):
        return [f"{where} returned {type(observation).__name__}, not agentrl Observation"]
    problems = []
    key = getattr(observation, "state_key", None)
    if not isinstance(key, str) or not key:
        problems.append(
            f"{where}: state_key is {key!r}; set it to a non-empty digest of what the agent "
            "can know, e.g. agentrl.core.env.digest_state(...)"
        )
    if not isinstance(observation.text, str):
        problems.append(f"{where}: text is {type(observation.text).__name__}, not str")
    actions = observation.available_actions
    if actions is not None and not (
        isinstance(actions, list) and all(isinstance(a, str) for a in actions)
    ):
        problems.append(
            f"{where}: available_actions must be None or a list of str, got {actions!r}"
        )
    return problems



def check_reset_returns_observation(ctx: CheckContext) -> list[str]:
    """`reset` returns an Observation with a non-empty str state_key."""
    task = ctx.first_tasks()[0]
    return observation_problems(ctx.env.reset(task, seed=ctx.seed), "reset()")



def check_episode_runs(ctx: CheckContext) -> list[str]:
    """Scripted episodes (admissible actions when listed) play without raising."""
    return [
        f"episode {index} (task {getattr(ep.task, 'id', None)!r}) raised {ep.error} after "
        f"actions {ep.actions[-3:]}; an env must not raise on an agent's action"
        for index, ep in enumerate(ctx.episodes())
        if ep.error
    ]



def check_step_types(ctx: CheckContext) -> list[str]:
    """`step` returns a StepResult: bool terminated/truncated, finite float reward, dict info."""
    for index, episode in enumerate(ctx.episodes()):
        for turn, result in enumerate(episode.steps, start=1):
            where = f"step {turn} of episode {index}"
            if not isinstance(result, StepResult):
                return [f"{where} returned {type(result).__name__}, not agentrl StepResult"]
            problems = observation_problems(result.observation, where)
            for name in ("terminated", "truncated"):
                if type(getattr(result, name)) is not bool:
                    problems.append(f"{where}: {name} is {getattr(result, name)!r}, not bool")
            reward = result.reward
            if isinstance(reward, bool) or not isinstance(reward, (int, float)):
                problems.append(f"{where}: reward is {reward!r}, not a float")
            elif not math.isfinite(reward):
                problems.append(f"{where}: reward is {reward}; rewards must be finite")
            if not isinstance(result.info, dict):
                problems.append(f"{where}: info is {type(result.info).__name__}, not dict")
            if problems:
                return problems
    return []



def check_terminates_within_max_turns(ctx: CheckContext) -> list[str]:
    """Every scripted episode terminates or truncates within ``spec.max_turns`` steps."""
    limit = ctx.env.spec.max_turns
    for index, episode in enumerate(ctx.episodes()):
        if episode.error or not all(isinstance(s, StepResult) for s in episode.steps):
            continue  # reported by check_episode_runs / check_step_types
        if not episode.ended or len(episode.steps) > limit:
            return [
                f"episode {index} did not end within spec.max_turns={limit} steps "
                f"(ran {len(episode.steps)}); set truncated=True on step {limit} at the latest"
            ]
    return []



def check_step_after_end(ctx: CheckContext) -> list[str]:
    """Stepping after the episode ended raises an exception with a message."""
    episode = play_episode(ctx.env, ctx.first_tasks()[0], ctx.seed)
    if not episode.ended:
        return []  # reported by check_terminates_within_max_turns
    try:
        ctx.env.step(episode.actions[-1])
    except Exception as error:
        if str(error).strip():
            return []
        return [f"step() after the end raised {type(error).__name__} with no message; say why"]
    return [
        "step() after the episode ended returned normally; raise "
        "RuntimeError('the episode is over; call reset()') instead"
    ]



def check_close_idempotent(ctx: CheckContext) -> list[str]:
    """`close()` can be called twice."""
    ctx.env.close()
    try:
        ctx.env.close()
    except Exception as error:
        return [f"a second close() raised {describe(error)}; make close() idempotent"]
    return []
