"""The reward convention of the return-based estimators, and small shared helpers.

The reward convention every return-based estimator (``reinforce++``, ``gae``, ``gigpo``,
``igpo``, ``spa``) shares: turn t's reward is ``turn.reward`` (the immediate reward after
shaping) and the trajectory's ``outcome_reward`` R is handled by the ``outcome`` option:

- ``"add"``: the last turn's reward is ``turn.reward + R`` (R arrives with the last action);
- ``"replace"``: the last turn's reward is R (use when an env's final step reward already
  *is* the outcome, so it is not counted twice);
- ``"ignore"``: ``turn.reward`` only (IGPO and SPA shapings already put R in the last turn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from agentrl.algos.advantages.batch import TurnBatch
from agentrl.core.types import Trajectory

OutcomeMode = Literal["add", "replace", "ignore"]
OUTCOME_MODES = ("add", "replace", "ignore")


def check_choice(option: str, value: str, allowed: Sequence[str]) -> None:
    """Raise ``ValueError`` naming ``option`` when ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{option}={value!r} is not allowed; choose one of: {', '.join(allowed)}")


def turn_rewards(trajectory: Trajectory, outcome: OutcomeMode = "add") -> list[float]:
    """The per-turn reward sequence r_0..r_{T-1} of ``trajectory`` (see module docstring)."""
    rewards = [turn.reward for turn in trajectory.turns]
    if rewards and outcome == "add":
        rewards[-1] += trajectory.outcome_reward
    elif rewards and outcome == "replace":
        rewards[-1] = trajectory.outcome_reward
    return rewards


def reward_matrix(batch: TurnBatch, outcome: OutcomeMode = "add") -> np.ndarray:
    """``turn_rewards`` of every row of ``batch`` as a padded matrix."""
    rewards = batch.reward_matrix()
    if outcome != "ignore":
        rows, cols = batch.last_turn()
        outcomes = batch.outcomes()[rows]
        rewards[rows, cols] = outcomes + (rewards[rows, cols] if outcome == "add" else 0.0)
    return rewards
