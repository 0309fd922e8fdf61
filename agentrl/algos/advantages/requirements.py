"""What each advantage estimator needs from the data, and checks that say what is missing.

A recipe validator calls ``requirements(name, **options)`` to learn what an estimator reads
beyond outcome rewards, ``check_tasks`` before training (tasks only), and
``check_trajectories`` on the first batch of rollouts. The requirement names:

- ``"ground_truth"``: every task has ``Task.ground_truth`` (IGPO's information gain);
- ``"state_key"``: turns carry a ``state_key`` that is not the same everywhere (GiGPO's
  anchor states, SALT's graph nodes — a constant key merges every step into one group);
- ``"values"``: every turn has the critic's ``turn.info["value"]`` (GAE, SPA with GAE).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from agentrl.core.types import Task, Trajectory

_STATIC: dict[str, set[str]] = {
    "grpo": set(),
    "rloo": set(),
    "reinforce++": set(),
    "gae": {"values"},
    "gigpo": {"state_key"},
    "salt": {"state_key"},
    "igpo": {"ground_truth"},
}


class RequirementError(ValueError):
    """An estimator was chosen for data that lacks what it needs."""


def requirements(name: str, **options: object) -> set[str]:
    """The requirement names of estimator ``name`` under ``options`` (unknown names: none)."""
    if name == "spa":
        return {"values"} if options.get("mode", "gae") == "gae" else set()
    return set(_STATIC.get(name, set()))


def _ground_truth_problem(tasks: Sequence[Task]) -> str | None:
    missing = [task.id for task in tasks if task.ground_truth is None]
    if not missing:
        return None
    shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
    return (
        f"{len(missing)} of {len(tasks)} tasks have no ground_truth ({shown}); "
        "IGPO needs the answer to measure information gain — pick tasks with answers "
        "or another estimator"
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


def _values_problem(trajectories: Sequence[Trajectory]) -> str | None:
    for t in trajectories:
        for index, turn in enumerate(t.turns):
            if "value" not in turn.info and not t.errored:
                return (
                    f"turn {index} of task {t.task.id!r} has no turn.info['value']; "
                    "this estimator needs a critic (set the trainer's critic)"
                )
    return None


_TRAJECTORY_CHECKS: dict[str, Callable[[Sequence[Trajectory]], str | None]] = {
    "ground_truth": lambda trajectories: _ground_truth_problem([t.task for t in trajectories]),
    "state_key": _state_key_problem,
    "values": _values_problem,
}


def _raise(name: str, problems: list[str]) -> None:
    if problems:
        raise RequirementError(
            f"advantage estimator {name!r} cannot run on this data: " + "; ".join(problems)
        )


def check_tasks(name: str, tasks: Sequence[Task], **options: object) -> None:
    """Before training: raise ``RequirementError`` if ``tasks`` lack what ``name`` needs."""
    if "ground_truth" in requirements(name, **options):
        problem = _ground_truth_problem(tasks)
        _raise(name, [problem] if problem else [])


def check_trajectories(name: str, trajectories: Sequence[Trajectory], **options: object) -> None:
    """On a batch of rollouts: raise ``RequirementError`` listing every unmet requirement."""
    problems = [
        problem
        for requirement in sorted(requirements(name, **options))
        if (problem := _TRAJECTORY_CHECKS[requirement](trajectories)) is not None
    ]
    _raise(name, problems)
