"""Registries of the pipeline's pluggable stages: advantage estimators and reward shapings.

An advantage estimator is a pure function
``fn(trajectories: list[Trajectory] | TurnBatch, **options) -> list[list[float]]`` returning
one advantage per turn of each trajectory (errored trajectories get all zeros); a turn's
entry may instead be a list with one advantage per action token (REINFORCE++'s token-level
KL). The trainer passes the batch's columnar view (``TurnBatch``), read once per update.
A shaping is a pure function ``fn(trajectories, **options) -> list[Trajectory]`` that
returns copies with per-turn ``reward`` (and ``outcome_reward``) rewritten.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentrl.core.registry_base import Registry
from agentrl.core.types import Trajectory
from agentrl.credit.needs import Declaration, Needs, resolve

AdvantageFn = Callable[..., list[list[float | list[float]]]]
ShapingFn = Callable[..., list[Trajectory]]
Options = dict[str, Any]

ADVANTAGES: Registry[AdvantageFn] = Registry("advantage estimator")
SHAPINGS: Registry[ShapingFn] = Registry("shaping")


def register_advantage(name: str, needs: Declaration | None = None
                       ) -> Callable[[AdvantageFn], AdvantageFn]:
    """Decorator: register an advantage estimator under ``name``, declaring what it
    ``needs`` (a `Needs`, or a function of its options returning one)."""
    return ADVANTAGES.register(name, needs)


def register_shaping(name: str, needs: Declaration | None = None
                     ) -> Callable[[ShapingFn], ShapingFn]:
    """Decorator: register a reward shaping under ``name``, declaring what it ``needs``."""
    return SHAPINGS.register(name, needs)


def advantage_needs(name: str, options: Options | None = None) -> Needs:
    """What estimator ``name`` declared it needs under ``options``."""
    _load_builtins()
    return resolve(ADVANTAGES.declared(name), options or {})


def shaping_needs(name: str, options: Options | None = None) -> Needs:
    """What shaping ``name`` declared it needs under ``options``."""
    _load_builtins()
    return resolve(SHAPINGS.declared(name), options or {})


def _load_builtins() -> None:
    import agentrl.credit.advantages  # noqa: F401  (registers the built-in estimators)
    import agentrl.rewards  # noqa: F401  (registers the built-in shapings)


def get_advantage(name: str) -> AdvantageFn:
    """The estimator registered as ``name``."""
    _load_builtins()
    return ADVANTAGES.get(name)


def list_advantages() -> list[str]:
    """Names of the registered advantage estimators, sorted."""
    _load_builtins()
    return ADVANTAGES.names()


def get_shaping(name: str) -> ShapingFn:
    """The shaping registered as ``name``; `UnknownNameError` if there is none."""
    _load_builtins()
    return SHAPINGS.get(name)


def list_shapings() -> list[str]:
    """Names of the registered reward shapings, sorted."""
    _load_builtins()
    return SHAPINGS.names()


def group_by_id(trajectories: list[Trajectory]) -> dict[str, list[int]]:
    """Indices of the trajectories of each group, in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for index, trajectory in enumerate(trajectories):
        groups.setdefault(trajectory.group_id, []).append(index)
    return groups
