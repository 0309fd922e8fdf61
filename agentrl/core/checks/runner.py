"""The runner: `CHECKS` in order, `check_env` (every violation at once) and
`check_env_target` (an id or ``"module:Class"``, as ``agentrl check-env`` gives it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentrl.core.checks.context import STEP_TIMEOUT_S, CheckContext, describe
from agentrl.core.checks.determinism import check_reset_deterministic, check_state_key_stable
from agentrl.core.checks.episodes import (
    check_close_idempotent,
    check_episode_runs,
    check_reset_returns_observation,
    check_step_after_end,
    check_step_types,
    check_terminates_within_max_turns,
)
from agentrl.core.checks.hostile import check_hostile_actions
from agentrl.core.checks.report import CheckReport
from agentrl.core.checks.round_trip import check_json_round_trip
from agentrl.core.checks.spec import check_spec, check_splits_disjoint, check_tasks
from agentrl.core.env import Env
from agentrl.core.env_target import EnvBuildError, build_env
from agentrl.core.types import EnvSpec

CONSTRUCT_TIMEOUT_S = 300.0  # building the env under check (imports, data) may take this


# Order matters: the spec first (everything else reads it), close last.
CHECKS: tuple[Callable[[CheckContext], list[str]], ...] = (
    check_spec,
    check_tasks,
    check_splits_disjoint,
    check_reset_returns_observation,
    check_reset_deterministic,
    check_state_key_stable,
    check_episode_runs,
    check_step_types,
    check_terminates_within_max_turns,
    check_json_round_trip,
    check_hostile_actions,
    check_step_after_end,
    check_close_idempotent,
)


SPEC_DEPENDENT = CHECKS[1:-1]  # skipped when the spec itself is unusable



def check_env(env: Env, *, seed: int = 0, max_episodes: int = 2,
              step_timeout_s: float = STEP_TIMEOUT_S) -> CheckReport:
    """Run ``env`` through every rule of the episode API and report all violations at once.

    ``seed`` seeds every reset, the scripted choice among ``available_actions`` and the
    random hostile actions; ``max_episodes`` scripted episodes are played; a hostile step
    that takes longer than ``step_timeout_s`` is reported as a hang, after which the
    remaining checks are not run. The env is closed at the end (unless it hung).
    """
    spec = getattr(env, "spec", None)
    report = CheckReport(env_id=str(getattr(spec, "id", type(env).__name__)))
    ctx = CheckContext(env, seed, max_episodes, step_timeout_s)
    for check in CHECKS:
        if check in SPEC_DEPENDENT and not isinstance(spec, EnvSpec):
            continue
        if ctx.hung:
            report.violations.append(f"[{check.__name__}] not run: the env hung before it")
            continue
        report.checks_run.append(check.__name__)
        try:
            found = check(ctx)
        except Exception as error:
            found = [f"raised {describe(error)}"]
        report.violations += [f"[{check.__name__}] {message}" for message in found]
    report.warnings = ctx.warnings
    return report



def check_env_target(target: str, *, seed: int = 0, max_episodes: int = 2,
                     isolate: bool = False, construct_timeout_s: float = CONSTRUCT_TIMEOUT_S,
                     progress: Callable[[str], None] | None = None,
                     kwargs: dict[str, Any] | None = None) -> CheckReport:
    """`check_env` on a registered env id or a ``"module:Class"`` path (``agentrl check-env``),
    built with ``kwargs`` (``--kwarg KEY=VALUE``).

    ``isolate`` runs the env in a child process (`agentrl.core.process_env.ProcessEnv`), so an
    engine that crashes the interpreter (a segfault in native code) is reported as a
    violation of the step that did it instead of ending the checker. A target that is not
    an `Env`, whose constructor raises or does not return within ``construct_timeout_s`` is
    one violation of ``check_constructs``; a long construction is announced through
    ``progress``. `agentrl.core.env_target.EnvTargetError` when ``target`` names nothing.
    """
    try:
        env = build_env(target, kwargs=kwargs, isolate=isolate, timeout_s=construct_timeout_s,
                        progress=progress)
    except EnvBuildError as error:
        return CheckReport(env_id=target, violations=[f"[check_constructs] {error}"],
                           checks_run=["check_constructs"])
    return check_env(env, seed=seed, max_episodes=max_episodes)
