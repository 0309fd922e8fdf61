"""The credit pipeline, in the order data moves: shapings rewrite per-turn rewards
(`get_shaping`), the critic's values and the reference KL are written, the estimator turns
the batch into one advantage per turn (`get_advantage`), optional whitening; each turn then
stores its advantage. Imports nothing from the update layer: the trainer hands it its
``algorithm`` section and the callables that need its models."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.advantages.whitening import whiten
from agentrl.credit.context import ShapingContext
from agentrl.credit.registry import get_advantage, get_shaping

Credit = tuple[list[Trajectory], TurnBatch, list[list[float | list[float]]]]


def shape(trajectories: list[Trajectory], algorithm: Any,
          context: ShapingContext) -> list[Trajectory]:
    """The batch after ``algorithm.shaping``'s shapings, in order, each with its options
    (and the shaping context when it takes one)."""
    shaped = trajectories
    for name in algorithm.shaping:
        shaping = get_shaping(name)
        options = dict(algorithm.shaping_options.get(name, {}))
        if "context" in inspect.signature(shaping).parameters:
            options["context"] = context
        shaped = shaping(shaped, **options)
    return shaped


def assign_credit(
    trajectories: list[Trajectory], algorithm: Any, *, context: ShapingContext,
    critic: Any = None, reference_kl: Callable[[list[Trajectory]], np.ndarray] | None = None,
) -> Credit:
    """(shaped trajectories, their columnar view, the estimator's advantages).

    ``algorithm`` is the recipe's ``algorithm`` section (shaping, shaping_options,
    advantage, advantage_options, advantage_whitening); ``critic`` annotates values,
    ``reference_kl`` writes the per-token KL to the reference (REINFORCE++'s KL in the
    reward) and returns it flat. The view is built once, after the stages that write
    per-turn data; the critic and the KL hand it their columns instead of having them read
    back, and it is shared by the estimator and the critic's targets, so no column is read
    from the turns twice in an update.
    """
    shaped = shape(trajectories, algorithm, context)
    values = critic.annotate(shaped) if critic is not None else None
    token_kl = reference_kl(shaped) if reference_kl is not None else None
    batch = TurnBatch.build(shaped)  # the stages above hand it what they wrote
    if critic is not None:
        by_token = critic.level == "token"
        batch.put("token_values" if by_token else "value", values, per_token=by_token)
    if token_kl is not None:
        batch.put("token_kl", token_kl, per_token=True)
        batch.put("kl", np.bincount(batch.token_turn, weights=token_kl, minlength=batch.n_turns))
    advantages = get_advantage(algorithm.advantage)(batch, **algorithm.advantage_options)
    if algorithm.advantage_whitening:
        advantages = whiten(advantages, [t.errored for t in shaped])
    for trajectory, per_turn in zip(shaped, advantages, strict=True):
        for turn, advantage in zip(trajectory.turns, per_turn, strict=True):
            # per-token advantages (REINFORCE++'s KL in the reward) show as their mean
            turn.advantage = float(np.mean(advantage)) if isinstance(advantage, list) \
                else advantage
    if shaped is not trajectories:
        copy_credit(shaped, trajectories)
    return shaped, batch, advantages


def copy_credit(source: list[Trajectory], target: list[Trajectory]) -> None:
    """Shapings return copies; give the caller's trajectories (saved as samples for
    `agentrl inspect`) the shaped rewards, their components, the advantages and the
    critic's value / reference KL of each turn too."""
    for shaped, original in zip(source, target, strict=True):
        original.outcome_reward = shaped.outcome_reward
        for new, old in zip(shaped.turns, original.turns, strict=True):
            old.reward, old.advantage = new.reward, new.advantage
            for key in ("reward_components", "value", "kl"):
                if key in new.info:
                    old.info[key] = new.info[key]
