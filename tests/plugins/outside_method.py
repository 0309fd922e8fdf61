"""A credit method from outside the agentrl package: an estimator and a shaping registered
with what they need, for tests/credit/test_outside_method.py. Importing it registers them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agentrl.core.types import Trajectory
from agentrl.credit import register_advantage, register_shaping
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.needs import Needs

BONUS = 0.25  # the shaping's reward for every turn


def _returns(batch: TurnBatch, **_: Any) -> list[list[float]]:
    """Critic targets: each turn's own (shaped) reward."""
    return batch.scatter_flat(batch.rewards.tolist())


@register_advantage("outside-td0", needs=Needs(group_size=3, values=_returns))
def outside_td0(trajectories: list[Trajectory] | TurnBatch, **_: Any) -> list[list[float]]:
    """A_t = r_t − V(s_t): the turn's reward against the critic's value, which the trainer
    writes only because this estimator declared ``values``."""
    batch = TurnBatch.of(trajectories)
    values = batch.info("value", "outside-td0", "declared Needs(values=...): the trainer's critic")
    return batch.scatter_flat((batch.rewards - values).tolist())


def _mark_start(context: Any, options: dict[str, Any], start: Any) -> None:
    Path(start.run_dir, "outside-phase.txt").write_text(f"start={start.start}")


@register_shaping("outside-bonus", needs=Needs(before_training=_mark_start))
def outside_bonus(trajectories: list[Trajectory]) -> list[Trajectory]:
    """Every turn's reward plus `BONUS`."""
    shaped = [t.model_copy(deep=True) for t in trajectories]
    for trajectory in shaped:
        for turn in trajectory.turns:
            turn.reward += BONUS
    return shaped
