"""`check_env`: run an env through the episode API's contract and report every violation.

Like Gymnasium's ``utils.env_checker``, the checker is a list of small ``check_*``
functions, one rule each. Each returns the violations it found as sentences that say what is
wrong and what to change; an exception raised inside a check becomes a violation too, so one
run reports everything at once. Rules that are advice rather than contract (an empty split, a
malformed action accepted as valid) are reported as warnings and do not fail the check.

Decided here: stepping after the episode ended must raise an exception
with a message, e.g. ``RuntimeError("episode is over; call reset()")``; returning a result
silently is a violation.
"""

from __future__ import annotations

import math
import random
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from agentrl.core.env import Env, quote_action
from agentrl.core.env_target import EnvBuildError, build_env
from agentrl.core.hostile import hostile_actions
from agentrl.core.types import (
    STANDARD_SPLITS,
    EnvSpec,
    Observation,
    StepResult,
    Task,
    Trajectory,
    Turn,
)

FALLBACK_ACTION = "look"  # sent when an observation lists no available actions
JSON_TASKS_PER_SPLIT = 50  # tasks per split round-tripped through JSON
STEP_TIMEOUT_S = 60.0  # a hostile step that takes longer counts as a hang
ECHO_ALLOWANCE = 2_000  # characters a hostile step's observation may add over ordinary ones
CONSTRUCT_TIMEOUT_S = 300.0  # building the env under check (imports, data) may take this


class EnvCheckError(AssertionError):
    """Raised by `CheckReport.raise_if_failed`; its message lists every violation."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__(str(report))
        self.report = report


@dataclass
class CheckReport:
    """What `check_env` found: ``violations`` (contract broken) and ``warnings`` (advice)."""

    env_id: str
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no rule of the contract is broken (warnings allowed)."""
        return not self.violations

    def raise_if_failed(self) -> None:
        """Raise `EnvCheckError` listing all violations, if there are any."""
        if not self.ok:
            raise EnvCheckError(self)

    def __str__(self) -> str:
        verdict = "OK" if self.ok else f"FAILED, {len(self.violations)} violation(s)"
        lines = [f"check_env({self.env_id}): {verdict} ({len(self.checks_run)} checks)"]
        lines += [f"  - {message}" for message in self.violations]
        lines += [f"  ! warning: {message}" for message in self.warnings]
        return "\n".join(lines)


@dataclass
class Episode:
    """One recorded episode of the checker's scripted play."""

    task: Task | None
    first: Any
    steps: list[Any] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ended(self) -> bool:
        """Whether the last recorded step terminated or truncated the episode."""
        last = self.steps[-1] if self.steps else None
        return isinstance(last, StepResult) and (last.terminated or last.truncated)


class CheckContext:
    """What the checks share: the seed, the first task, and the recorded episodes (run once)."""

    def __init__(self, env: Env, seed: int, max_episodes: int,
                 step_timeout_s: float = STEP_TIMEOUT_S) -> None:
        self.env = env
        self.seed = seed
        self.max_episodes = max_episodes
        self.step_timeout_s = step_timeout_s
        self.hung = False  # set when a step never returned: the env must not be used again
        self.warnings: list[str] = []
        self._episodes: list[Episode] | None = None
        self._tasks: list[Task | None] | None = None

    def first_tasks(self) -> list[Task | None]:
        """``max_episodes`` tasks of the first split that has any (None: the env's default).

        When ``tasks()`` fails, the episodes use the default task; check_tasks reports it.
        """
        if self._tasks is None:
            self._tasks = [None] * max(1, self.max_episodes)
            for split in self.env.spec.splits:
                try:
                    tasks = [t for t in self.env.tasks(split) if isinstance(t, Task)]
                except Exception:
                    break
                if tasks:
                    self._tasks = [tasks[i % len(tasks)] for i in range(len(self._tasks))]
                    break
        return self._tasks

    def episodes(self) -> list[Episode]:
        """The scripted episodes, played on first use and then reused by every check."""
        if self._episodes is None:
            self._episodes = [
                play_episode(self.env, task, self.seed + index)
                for index, task in enumerate(self.first_tasks())
            ]
        return self._episodes


def describe(error: BaseException, limit: int = 240) -> str:
    """``"Type: message"`` on one line, cut to ``limit`` characters."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def choose_action(observation: Any, rng: random.Random) -> str:
    """An admissible action when the observation lists some, else a plain string."""
    actions = getattr(observation, "available_actions", None)
    if isinstance(actions, list) and actions:
        return str(rng.choice(actions))
    return FALLBACK_ACTION


def play_episode(env: Env, task: Task | None, seed: int) -> Episode:
    """Reset and step until the episode ends or ``max_turns + 1`` steps; record everything."""
    rng = random.Random(seed)
    episode = Episode(task=task, first=None)
    try:
        episode.first = env.reset(task, seed=seed)
        observation = episode.first
        for _ in range(env.spec.max_turns + 1):
            action = choose_action(observation, rng)
            result = env.step(action)
            episode.actions.append(action)
            episode.steps.append(result)
            if not isinstance(result, StepResult) or result.terminated or result.truncated:
                break
            observation = result.observation
    except Exception as error:  # reported by check_episode_runs
        episode.error = describe(error)
    return episode


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


def first_difference(before: Any, after: Any, path: str = "") -> str:
    """Where ``after`` first differs from ``before``, e.g. "['info']['pos'] (tuple -> list)"."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before:
            if key not in after:
                return f"{path}[{key!r}] (key {type(key).__name__} lost)"
            if before[key] != after[key]:
                return first_difference(before[key], after[key], f"{path}[{key!r}]")
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        if type(before) is type(after) and len(before) == len(after):
            for index, (b, a) in enumerate(zip(before, after, strict=True)):
                if b != a:
                    return first_difference(b, a, f"{path}[{index}]")
    return f"{path or 'the value'} ({type(before).__name__} -> {type(after).__name__})"


def json_problem(obj: Any, what: str) -> str | None:
    """Why ``obj`` does not round-trip losslessly through JSON, or None when it does."""
    if not isinstance(obj, BaseModel):
        return None  # a wrong type is reported by the type checks
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pydantic's serializer warnings mean data loss
            again = type(obj).model_validate_json(obj.model_dump_json())
    except Exception as error:
        return (
            f"{what} does not survive model_dump_json/model_validate_json "
            f"({describe(error)}); keep info and metadata to JSON types"
        )
    if again == obj:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        where = first_difference(obj.model_dump(), again.model_dump())
    return (
        f"{what} changes through a JSON round trip at {where}; keep info and metadata to "
        "JSON types: dict with str keys, list, str, int, float, bool, None"
    )


# --- the rules --------------------------------------------------------------------------


def check_spec(ctx: CheckContext) -> list[str]:
    """`spec` is an EnvSpec with a non-empty id, max_turns >= 1 and unique named splits."""
    spec = getattr(ctx.env, "spec", None)
    if not isinstance(spec, EnvSpec):
        return [f"env.spec is {type(spec).__name__}; set it to an agentrl EnvSpec in __init__"]
    problems = []
    if not isinstance(spec.id, str) or not spec.id.strip():
        problems.append(f"spec.id is {spec.id!r}; give the registered id, e.g. 'toy/corridor'")
    if not isinstance(spec.max_turns, int) or spec.max_turns < 1:
        problems.append(f"spec.max_turns is {spec.max_turns!r}; it must be an int >= 1")
    splits = list(spec.splits)
    if not splits or any(not isinstance(s, str) or not s for s in splits):
        problems.append(f"spec.splits is {spec.splits!r}; list non-empty split names")
    elif len(set(splits)) != len(splits):
        problems.append(f"spec.splits {spec.splits!r} repeats a name; list each split once")
    missing = [s for s in STANDARD_SPLITS if s not in splits]
    if missing:
        ctx.warnings.append(f"spec.splits lacks {missing}; envs usually offer train/valid/heldout")
    return problems


def check_tasks(ctx: CheckContext) -> list[str]:
    """`tasks(split)` gives Tasks of this env and split, unique ids, the same on every call."""
    problems = []
    for split in ctx.env.spec.splits:
        tasks, again = list(ctx.env.tasks(split)), list(ctx.env.tasks(split))
        wrong = [t for t in tasks if not isinstance(t, Task)]
        if wrong:
            problems.append(f"tasks({split!r}) holds {type(wrong[0]).__name__}, not agentrl Task")
            continue
        if not tasks:
            ctx.warnings.append(f"tasks({split!r}) is empty")
        for task in tasks:
            if task.env_id != ctx.env.spec.id or task.split != split:
                problems.append(
                    f"tasks({split!r}) has task {task.id!r} with env_id={task.env_id!r}, "
                    f"split={task.split!r}; set env_id={ctx.env.spec.id!r}, split={split!r}"
                )
                break
        ids = [t.id for t in tasks]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})[:5]
            problems.append(f"tasks({split!r}) repeats ids {dupes}; task ids must be unique")
        if [t.model_dump() for t in tasks] != [t.model_dump() for t in again]:
            problems.append(
                f"tasks({split!r}) differs between two calls; generate tasks from fixed seeds "
                "(agentrl.core.splits.split_seed) in a stable order"
            )
    return problems


def check_splits_disjoint(ctx: CheckContext) -> list[str]:
    """No task id appears in two splits."""
    seen: dict[str, str] = {}
    problems = []
    for split in ctx.env.spec.splits:
        for task in ctx.env.tasks(split):
            other = seen.setdefault(getattr(task, "id", repr(task)), split)
            if other != split:
                problems.append(
                    f"task id {task.id!r} is in splits {other!r} and {split!r}; "
                    "splits must be disjoint (held-out numbers are meaningless otherwise)"
                )
                return problems
    return problems


def check_reset_returns_observation(ctx: CheckContext) -> list[str]:
    """`reset` returns an Observation with a non-empty str state_key."""
    task = ctx.first_tasks()[0]
    return observation_problems(ctx.env.reset(task, seed=ctx.seed), "reset()")


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


def check_json_round_trip(ctx: CheckContext) -> list[str]:
    """Every Task, Observation, StepResult (and a Trajectory of them) round-trips via JSON."""
    objects: list[tuple[Any, str]] = []
    for split in ctx.env.spec.splits:
        tasks = list(ctx.env.tasks(split))[:JSON_TASKS_PER_SPLIT]
        objects += [(task, f"task {getattr(task, 'id', '?')!r}") for task in tasks]
    for index, episode in enumerate(ctx.episodes()):
        objects.append((episode.first, f"reset() observation of episode {index}"))
        objects += [(s, f"step {t} of episode {index}") for t, s in enumerate(episode.steps, 1)]
    problems = [p for obj, what in objects if (p := json_problem(obj, what))]
    if problems:
        more = f" (and {len(problems) - 1} more objects)" if len(problems) > 1 else ""
        return [problems[0] + more]
    trajectory = trajectory_of(ctx.episodes()[0])
    if trajectory is None:
        return []
    problem = json_problem(trajectory, "a Trajectory of the first episode")
    return [problem] if problem else []


def trajectory_of(episode: Episode) -> Trajectory | None:
    """The `Trajectory` the runner would save for ``episode`` (None when types are wrong)."""
    if not isinstance(episode.task, Task) or not isinstance(episode.first, Observation):
        return None
    if not all(isinstance(s, StepResult) for s in episode.steps):
        return None
    seen = [episode.first] + [s.observation for s in episode.steps[:-1]]
    turns = [
        Turn(observation=o, action=a, reward=s.reward, info=s.info, state_key=o.state_key)
        for o, a, s in zip(seen, episode.actions, episode.steps, strict=True)
    ]
    return Trajectory(task=episode.task, turns=turns)


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
        shown = f"{kind}: {quote_action(action, 24)}"
        status, value = step_with_deadline(ctx.env, action, ctx.step_timeout_s)
        if status == "hung":
            ctx.hung = True
            return problems + [
                f"step({shown}) did not return within {ctx.step_timeout_s:g}s; an action must "
                "never reach an engine's own command mode or block it (the env is abandoned)"
            ]
        if status == "raised":
            problems.append(
                f"step({shown}) raised {describe(value)}; a malformed action must return a "
                "StepResult whose observation explains it, with info['action_valid']=False"
            )
            ctx.env.reset(task, seed=ctx.seed)
            continue
        problems += hostile_step_problems(value, shown, longest)
        if not isinstance(value, StepResult):
            continue
        if value.info.get("action_valid") is not False:
            accepted.append(kind)
        if value.terminated or value.truncated:
            ctx.env.reset(task, seed=ctx.seed)
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
                     progress: Callable[[str], None] | None = None) -> CheckReport:
    """`check_env` on a registered env id or a ``"module:Class"`` path (``agentrl check-env``).

    ``isolate`` runs the env in a child process (`agentrl.core.process_env.ProcessEnv`), so an
    engine that crashes the interpreter (a segfault in native code) is reported as a
    violation of the step that did it instead of ending the checker. A target that is not
    an `Env`, whose constructor raises or does not return within ``construct_timeout_s`` is
    one violation of ``check_constructs``; a long construction is announced through
    ``progress``. `agentrl.core.env_target.EnvTargetError` when ``target`` names nothing.
    """
    try:
        env = build_env(target, isolate=isolate, timeout_s=construct_timeout_s,
                        progress=progress)
    except EnvBuildError as error:
        return CheckReport(env_id=target, violations=[f"[check_constructs] {error}"],
                           checks_run=["check_constructs"])
    return check_env(env, seed=seed, max_episodes=max_episodes)


__all__ = ["CHECKS", "CheckReport", "EnvCheckError", "check_env", "check_env_target"]
