"""The reward convention of the return-based estimators, and small shared helpers.

The reward convention every return-based estimator (``reinforce++``, ``gae``, ``gigpo``,
``igpo``, ``spa``) shares: turn t's reward is ``turn.reward`` (the immediate reward after
shaping) and the trajectory's ``outcome_reward`` R is handled by the ``outcome`` option:

- ``"auto"`` (the default of the estimators that use R): R is counted exactly once. Where the
  env declares that its step rewards already pay it (``EnvSpec.step_rewards_include_outcome``,
  copied to ``Trajectory.step_rewards_include_outcome`` by the runner; toy/fork pays 1 on the
  success step and its outcome is 1 too) the turn rewards are used as they are ("ignore");
  elsewhere R is added on the last turn ("add");
- ``"add"``: the last turn's reward is ``turn.reward + R`` (R arrives with the last action),
  whatever the env declares — on an env that pays R as a step reward this counts R twice;
- ``"replace"``: the last turn's reward is R;
- ``"ignore"``: ``turn.reward`` only (IGPO and SPA shapings already put R in the turn rewards).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch

OutcomeMode = Literal["auto", "add", "replace", "ignore"]
OUTCOME_MODES = ("auto", "add", "replace", "ignore")


def check_choice(option: str, value: str, allowed: Sequence[str]) -> None:
    """Raise ``ValueError`` naming ``option`` when ``value`` is not one of ``allowed``."""
    if value not in allowed:
        raise ValueError(f"{option}={value!r} is not allowed; choose one of: {', '.join(allowed)}")


def resolved_outcome(trajectory: Trajectory, outcome: OutcomeMode) -> OutcomeMode:
    """``outcome`` with "auto" resolved for ``trajectory``: "ignore" where its env's step
    rewards already include R, else "add"; other modes unchanged."""
    if outcome != "auto":
        return outcome
    return "ignore" if trajectory.step_rewards_include_outcome else "add"


def turn_rewards(trajectory: Trajectory, outcome: OutcomeMode = "auto") -> list[float]:
    """The per-turn reward sequence r_0..r_{T-1} of ``trajectory`` (see module docstring)."""
    check_choice("outcome", outcome, OUTCOME_MODES)
    outcome = resolved_outcome(trajectory, outcome)
    rewards = [turn.reward for turn in trajectory.turns]
    if rewards and outcome == "add":
        rewards[-1] += trajectory.outcome_reward
    elif rewards and outcome == "replace":
        rewards[-1] = trajectory.outcome_reward
    return rewards


def reward_matrix(batch: TurnBatch, outcome: OutcomeMode = "auto") -> np.ndarray:
    """``turn_rewards`` of every row of ``batch`` as a padded matrix."""
    check_choice("outcome", outcome, OUTCOME_MODES)
    rewards = batch.reward_matrix()
    if outcome == "ignore":
        return rewards
    rows, cols = batch.last_turn()
    if outcome == "auto":  # add R only on rows whose step rewards do not pay it already
        keep = ~batch.outcome_in_steps()[rows]
        rows, cols = rows[keep], cols[keep]
    outcomes = batch.outcomes()[rows]
    rewards[rows, cols] = outcomes + (rewards[rows, cols] if outcome != "replace" else 0.0)
    return rewards
