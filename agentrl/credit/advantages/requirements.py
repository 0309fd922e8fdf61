"""What each advantage estimator needs from the data, and checks that say what is missing.

``requirements(name, **options)`` says what a method (an estimator, or a shaping of the
same name) reads beyond outcome rewards, from the `agentrl.credit.needs.Needs` it declared
where it was registered. Checks: ``unmet_requirements(names, env, split)``
before training (the recipe preflight: tasks' ground truth, a state_key on reset),
``check_tasks`` on a list of tasks, and ``check_trajectories`` on a batch of rollouts (the
only place a *constant* state_key can be told apart from a start state shared by tasks).
The requirement names:

- ``"ground_truth"``: every task has ``Task.ground_truth``;
- ``"state_key"``: turns carry a ``state_key`` that is not the same everywhere (a constant
  key merges every step into one group);
- ``"values"``: every turn has the critic's ``turn.info["value"]``;
- ``"kl"``: every turn has its KL to the reference policy, ``turn.info["token_kl"]`` per
  action token and ``turn.info["kl"]`` summed (the trainer writes them, scoring the
  reference before estimating advantages).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agentrl.core.env import Env
from agentrl.core.registry_base import UnknownNameError
from agentrl.core.types import Task, Trajectory
from agentrl.credit.registry import (
    ADVANTAGES,
    SHAPINGS,
    advantage_needs,
    list_advantages,
    list_shapings,
    shaping_needs,
)


class RequirementError(ValueError):
    """An estimator was chosen for data that lacks what it needs."""


def requirements(name: str, **options: object) -> set[str]:
    """The requirement names method ``name`` (an estimator, a shaping, or both under one
    name) declared for ``options`` where it was registered (unknown names: none)."""
    needs: set[str] = set()
    for registry, declared in ((ADVANTAGES, advantage_needs), (SHAPINGS, shaping_needs)):
        if name in registry:
            needs |= declared(name, options).requirement_names()
    return needs


def _ground_truth_problem(tasks: Sequence[Task], who: str = "this method") -> str | None:
    missing = [task.id for task in tasks if task.ground_truth is None]
    if not missing:
        return None
    shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
    return (
        f"{len(missing)} of {len(tasks)} tasks have no ground_truth ({shown}); "
        f"{who} needs the answer — pick tasks with answers or another method"
    )


def _state_key_problem(trajectories: Sequence[Trajectory]) -> str | None:
    keys = {turn.state_key for t in trajectories for turn in t.turns}
    if not keys:
        return None
    if keys == {""}:
        return "no turn has a state_key; the env must set Observation.state_key"
    if len(keys) == 1:
        return (
            f"every turn has the same state_key {next(iter(keys))!r}, so all steps would "
            "form one anchor group / graph node; the env's state_key must digest the state"
        )
    return None


def _info_problem(key: str, why: str) -> Callable[[Sequence[Trajectory]], str | None]:
    """A check naming the first turn of a non-errored trajectory whose info lacks ``key``."""
    def check(trajectories: Sequence[Trajectory]) -> str | None:
        for t in trajectories:
            for index, turn in enumerate(t.turns):
                if key not in turn.info and not t.errored:
                    return f"turn {index} of task {t.task.id!r} has no turn.info[{key!r}]; {why}"
        return None

    return check


_TRAJECTORY_CHECKS: dict[str, Callable[[Sequence[Trajectory]], str | None]] = {
    "ground_truth": lambda trajectories: _ground_truth_problem([t.task for t in trajectories]),
    "state_key": _state_key_problem,
    "values": _info_problem(
        "value", "this estimator needs a critic (set the trainer's critic)"),
    "kl": _info_problem(
        "kl", "the KL in the reward needs the reference policy's scores (the trainer writes them)"),
}


def _raise(name: str, problems: list[str]) -> None:
    if problems:
        raise RequirementError(
            f"advantage estimator {name!r} cannot run on this data: " + "; ".join(problems)
        )


def check_tasks(name: str, tasks: Sequence[Task], **options: object) -> None:
    """Before training: raise ``RequirementError`` if ``tasks`` lack what ``name`` needs."""
    if "ground_truth" in requirements(name, **options):
        problem = _ground_truth_problem(tasks, name)
        _raise(name, [problem] if problem else [])


def check_trajectories(name: str, trajectories: Sequence[Trajectory], **options: object) -> None:
    """On a batch of rollouts: raise ``RequirementError`` listing every unmet requirement."""
    problems = [
        problem
        for requirement in sorted(requirements(name, **options))
        if (problem := _TRAJECTORY_CHECKS[requirement](trajectories)) is not None
    ]
    _raise(name, problems)


def unmet_requirements(names: Sequence[str], env: Env, split: str) -> list[str]:
    """Before training: what the methods ``names`` need that ``env``'s ``split`` lacks.

    Checks ground truth on every task of the split, and (for state_key methods) that a
    reset observation has a non-empty state_key. "values" and "kl" are left to the
    trainer, which builds the critic and scores the reference. Raises ``UnknownNameError``
    for a name no registry knows.
    """
    known = set(list_advantages()) | set(list_shapings())
    problems: list[str] = []
    for name in names:
        if name not in known:
            raise UnknownNameError(
                f"{name!r} is neither a registered advantage estimator nor a shaping; "
                f"registered: {', '.join(sorted(known))}"
            )
        needs = requirements(name)
        if "ground_truth" in needs:
            problem = _ground_truth_problem(env.tasks(split), name)
            if problem:
                problems.append(f"{name} on split {split!r}: {problem}")
        if "state_key" in needs:
            tasks = env.tasks(split)
            observation = env.reset(tasks[0] if tasks else None, seed=0)
            if not observation.state_key:
                problems.append(
                    f"{name} groups steps by Observation.state_key, but {env.spec.id} returns "
                    "an empty state_key on reset; the env must digest its state"
                )
    return problems
