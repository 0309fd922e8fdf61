"""The bad-input rule: hostile actions (`agentrl.core.hostile`) come back as StepResults,
promptly, with bounded observations, and leave the env as it was."""

from __future__ import annotations

import threading
from typing import Any

from agentrl.core.checks.context import CheckContext, describe
from agentrl.core.checks.round_trip import json_problem
from agentrl.core.env import Env, quote_action
from agentrl.core.hostile import hostile_actions
from agentrl.core.types import Observation, StepResult, Task

ECHO_ALLOWANCE = 2_000  # characters a hostile step's observation may add over ordinary ones



def step_with_deadline(env: Env, action: str, timeout_s: float) -> tuple[str, Any]:
    """``("ok", result)``, ``("raised", error)`` or ``("hung", None)`` for one ``env.step``.

    The step runs in a daemon thread; one that outlives ``timeout_s`` is left there (a
    native engine cannot be interrupted) and the env must not be used again.
    """
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["ok"] = env.step(action)
        except Exception as error:  # noqa: BLE001 - reported by the caller
            box["raised"] = error

    thread = threading.Thread(target=run, name="check_env-step", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        return "hung", None
    return ("ok", box["ok"]) if "ok" in box else ("raised", box["raised"])



def longest_ordinary_text(ctx: CheckContext) -> int:
    """The length of the longest observation text of the scripted (ordinary) episodes."""
    seen = [ep.first for ep in ctx.episodes()]
    seen += [s.observation for ep in ctx.episodes() for s in ep.steps if isinstance(s, StepResult)]
    return max((len(o.text) for o in seen if isinstance(o, Observation)), default=0)



def hostile_step_problems(result: Any, shown: str, longest: int) -> list[str]:
    """What is wrong with the `StepResult` of one hostile action (see `check_hostile_actions`)."""
    if not isinstance(result, StepResult):
        return [f"step({shown}) returned {type(result).__name__}, not StepResult"]
    problems = []
    if "action_valid" not in result.info:
        problems.append(f"step({shown}): info has no 'action_valid'; set it to False")
    text = result.observation.text
    if len(text) > longest + ECHO_ALLOWANCE:
        problems.append(
            f"step({shown}) answered with a {len(text):,}-character observation (the "
            f"longest ordinary one has {longest:,}); bound what an observation repeats of an "
            "action, e.g. with agentrl.core.quote_action"
        )
    problem = json_problem(result, f"the StepResult of {shown}")
    return problems + [problem] if problem else problems



def send_hostile(ctx: CheckContext, task: Task | None, kind: str, action: str,
                 longest: int) -> tuple[list[str], bool]:
    """Step one hostile action; returns its problems and whether the env accepted it as
    valid. A hang sets ``ctx.hung``; a raise, an end of episode reset the env."""
    shown = f"{kind}: {quote_action(action, 24)}"
    status, value = step_with_deadline(ctx.env, action, ctx.step_timeout_s)
    if status == "hung":
        ctx.hung = True
        return [
            f"step({shown}) did not return within {ctx.step_timeout_s:g}s; an action must "
            "never reach an engine's own command mode or block it (the env is abandoned)"
        ], False
    if status == "raised":
        ctx.env.reset(task, seed=ctx.seed)
        return [
            f"step({shown}) raised {describe(value)}; a malformed action must return a "
            "StepResult whose observation explains it, with info['action_valid']=False"
        ], False
    problems = hostile_step_problems(value, shown, longest)
    if not isinstance(value, StepResult):
        return problems, False
    if value.terminated or value.truncated:
        ctx.env.reset(task, seed=ctx.seed)
    return problems, value.info.get("action_valid") is not False


def check_hostile_actions(ctx: CheckContext) -> list[str]:
    """Hostile actions (`agentrl.core.hostile`) come back as StepResults, promptly, bounded.

    Each must return (not raise) within ``ctx.step_timeout_s``, answer with an observation
    at most ``ECHO_ALLOWANCE`` characters longer than the longest ordinary one, survive a
    JSON round trip, and leave the env as it was: afterwards the same task and seed give the
    same first observation. Hostile actions accepted as valid are a warning.
    """
    task = ctx.first_tasks()[0]
    longest = longest_ordinary_text(ctx)
    first = ctx.env.reset(task, seed=ctx.seed)
    problems: list[str] = []
    accepted: list[str] = []
    for kind, action in hostile_actions(ctx.seed):
        found, valid = send_hostile(ctx, task, kind, action, longest)
        problems += found
        if ctx.hung:
            return problems
        if valid:
            accepted.append(kind)
    if accepted:
        kinds = ", ".join(sorted(set(accepted)))
        ctx.warnings.append(f"hostile actions accepted as valid: {kinds}")
    again = ctx.env.reset(task, seed=ctx.seed)
    if getattr(again, "text", None) != first.text or getattr(again, "state_key", None) != (
        first.state_key
    ):
        problems.append(
            "after the hostile actions, reset() with the same task and seed gave a different "
            "first observation; the actions left the engine in a broken state"
        )
    return problems
