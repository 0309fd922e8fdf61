"""Toy-batch builder shared by the estimator tests: Trajectory/Turn objects built directly."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from agentrl.core.types import Observation, Task, Trajectory, Turn


def build_trajectory(
    group: str,
    outcome: float = 0.0,
    *,
    n: int | None = None,
    rewards: Sequence[float] | None = None,
    keys: Sequence[str] | None = None,
    actions: Sequence[str] | None = None,
    values: Sequence[float] | None = None,
    infos: Sequence[dict[str, Any]] | None = None,
    tokens: Sequence[int] | None = None,
    errored: bool = False,
    ground_truth: str | None = None,
) -> Trajectory:
    """A trajectory of ``n`` turns (or as many as the first per-turn list given);
    ``tokens`` gives each turn that many action ids."""
    for per_turn in (rewards, keys, actions, values, infos, tokens):
        if n is None and per_turn is not None:
            n = len(per_turn)
    n = 1 if n is None else n
    turns = []
    for t in range(n):
        key = keys[t] if keys is not None else f"{group}-s{t}"
        info = dict(infos[t]) if infos is not None else {}
        if values is not None:
            info["value"] = values[t]
        turns.append(
            Turn(
                observation=Observation(text=f"obs {key}", state_key=key),
                action=actions[t] if actions is not None else f"a{t}",
                reward=rewards[t] if rewards is not None else 0.0,
                info=info,
                state_key=key,
                action_ids=list(range(tokens[t])) if tokens is not None else [],
            )
        )
    task = Task(id=f"task-{group}", env_id="toy", ground_truth=ground_truth)
    return Trajectory(task=task, turns=turns, outcome_reward=outcome, errored=errored,
                      group_id=group)


@pytest.fixture
def traj() -> Callable[..., Trajectory]:
    """The ``build_trajectory`` function, as a fixture."""
    return build_trajectory


def assert_rows_close(
    actual: list[list[float]], expected: list[list[float]], abs: float | None = None
) -> None:
    """Per-turn advantages equal ``expected`` row by row (same ragged shape, approx values)."""
    assert [len(row) for row in actual] == [len(row) for row in expected]
    for row, expected_row in zip(actual, expected, strict=True):
        assert row == pytest.approx(expected_row, abs=abs)


@pytest.fixture
def rows_close() -> Callable[..., None]:
    """The ``assert_rows_close`` function, as a fixture."""
    return assert_rows_close
