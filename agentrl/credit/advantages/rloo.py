"""RLOO: the REINFORCE leave-one-out baseline, broadcast to every turn.

Kool et al. 2019, "Buy 4 REINFORCE samples, get a baseline for free!", eq. (9), as used
for LLMs by Ahmadian et al. 2024, "Back to Basics", eq. (7):
    A_i = R_i − 1/(k−1) Σ_{j≠i} R_j
"""

from __future__ import annotations

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch, group_stats
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage


def rloo_advantages(batch: TurnBatch) -> np.ndarray:
    """A_i = R_i − (Σ_group R − R_i)/(k − 1) per row (eq. 7); a group of one gets 0."""
    rewards = batch.outcomes()
    mean, _, count = group_stats(rewards, batch.group, batch.n_groups)
    k = count[batch.group]
    others = np.divide(mean[batch.group] * k - rewards, k - 1,
                       out=np.zeros_like(rewards), where=k > 1)
    return np.where(k > 1, rewards - others, 0.0)


@register_advantage("rloo", needs=Needs(group_size=2))
def rloo(trajectories: list[Trajectory] | TurnBatch) -> list[list[float]]:
    """A_i = R_i − mean_{j≠i} R_j (Ahmadian et al. 2024, eq. 7), R = ``outcome_reward``.

    The baseline is taken over the non-errored members of the trajectory's group;
    errored trajectories get zeros, and a group with one valid member gets zeros.
    """
    batch = TurnBatch.of(trajectories)
    return batch.scatter(rloo_advantages(batch))
