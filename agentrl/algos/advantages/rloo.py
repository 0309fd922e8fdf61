"""RLOO: the REINFORCE leave-one-out baseline, broadcast to every turn.

Kool et al. 2019, "Buy 4 REINFORCE samples, get a baseline for free!", eq. (9), as used
for LLMs by Ahmadian et al. 2024, "Back to Basics", eq. (7):
    A_i = R_i − 1/(k−1) Σ_{j≠i} R_j
"""

from __future__ import annotations

from agentrl.algos.advantages.returns import valid_groups, zero_advantages
from agentrl.algos.registry import register_advantage
from agentrl.core.types import Trajectory


def leave_one_out(rewards: list[float]) -> list[float]:
    """R_i − mean_{j≠i} R_j for each i; a group of one has no baseline and gets 0."""
    k = len(rewards)
    if k < 2:
        return [0.0] * k
    total = sum(rewards)
    return [r - (total - r) / (k - 1) for r in rewards]


@register_advantage("rloo")
def rloo(trajectories: list[Trajectory]) -> list[list[float]]:
    """A_i = R_i − mean_{j≠i} R_j (Ahmadian et al. 2024, eq. 7), R = ``outcome_reward``.

    The baseline is taken over the non-errored members of the trajectory's group;
    errored trajectories get zeros, and a group with one valid member gets zeros.
    """
    advantages = zero_advantages(trajectories)
    for group in valid_groups(trajectories):
        values = leave_one_out([trajectories[i].outcome_reward for i in group])
        for i, value in zip(group, values, strict=True):
            advantages[i] = [value] * len(trajectories[i].turns)
    return advantages
