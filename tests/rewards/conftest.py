"""Toy-trajectory builder for the shaping tests."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from agentrl.core.types import Observation, Task, Trajectory, Turn


def build_trajectory(
    outcome: float, rewards: Sequence[float], infos: Sequence[dict[str, Any]] | None = None
) -> Trajectory:
    """One trajectory with the given outcome, per-turn rewards and per-turn infos."""
    turns = [
        Turn(
            observation=Observation(text=f"obs {t}", state_key=f"s{t}"),
            action=f"a{t}",
            reward=reward,
            info=dict(infos[t]) if infos is not None else {},
            state_key=f"s{t}",
        )
        for t, reward in enumerate(rewards)
    ]
    return Trajectory(task=Task(id="t", env_id="toy"), turns=turns, outcome_reward=outcome,
                      group_id="g")


@pytest.fixture
def traj() -> Callable[..., Trajectory]:
    """The ``build_trajectory`` function, as a fixture."""
    return build_trajectory
