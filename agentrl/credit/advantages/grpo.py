"""GRPO: group-normalised outcome advantage broadcast to every turn.

Shao et al. 2024, "DeepSeekMath", §4.1.2 (outcome supervision):
    Â_i = (R_i − mean({R_1..R_G})) / std({R_1..R_G})
and every token of every turn of trajectory i gets Â_i.
"""

from __future__ import annotations

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch, group_stats
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage


def grpo_advantages(batch: TurnBatch, normalize_std: bool, eps: float) -> np.ndarray:
    """Â_i per row: (R_i − mean_group R) / (std_group R + eps), population std (§4.1.2)."""
    rewards = batch.outcomes()
    mean, std, _ = group_stats(rewards, batch.group, batch.n_groups)
    centred = rewards - mean[batch.group]
    return centred / (std[batch.group] + eps) if normalize_std else centred


@register_advantage("grpo", needs=Needs(group_size=2))
def grpo(
    trajectories: list[Trajectory] | TurnBatch, *, normalize_std: bool = True,
    eps: float = 1e-6,
) -> list[list[float]]:
    """Â_i = (R_i − mean_group R) / (std_group R + eps); std is the population std.

    ``normalize_std=False`` gives the Dr.GRPO variant (mean only). Errored trajectories
    are left out of their group's statistics and get zero advantage. A group of one
    (or all-equal rewards) gives zero advantage.
    """
    batch = TurnBatch.of(trajectories)
    return batch.scatter(grpo_advantages(batch, normalize_std, eps))
