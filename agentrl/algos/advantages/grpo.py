"""GRPO: group-normalised outcome advantage broadcast to every turn.

Shao et al. 2024, "DeepSeekMath", §4.1.2 (outcome supervision):
    Â_i = (R_i − mean({R_1..R_G})) / std({R_1..R_G})
and every token of every turn of trajectory i gets Â_i.
"""

from __future__ import annotations

import math

from agentrl.algos.registry import group_by_id, register_advantage
from agentrl.core.types import Trajectory


@register_advantage("grpo")
def grpo(
    trajectories: list[Trajectory], *, normalize_std: bool = True, eps: float = 1e-6
) -> list[list[float]]:
    """Â_i = (R_i − mean_group R) / (std_group R + eps); std is the population std.

    ``normalize_std=False`` gives the Dr.GRPO variant (mean only). Errored trajectories
    are left out of their group's statistics and get zero advantage. A group of one
    (or all-equal rewards) gives zero advantage.
    """
    advantages = [[0.0] * len(t.turns) for t in trajectories]
    for indices in group_by_id(trajectories).values():
        valid = [i for i in indices if not trajectories[i].errored]
        if not valid:
            continue
        rewards = [trajectories[i].outcome_reward for i in valid]
        mean = sum(rewards) / len(rewards)
        std = math.sqrt(sum((r - mean) ** 2 for r in rewards) / len(rewards))
        for i, reward in zip(valid, rewards, strict=True):
            value = reward - mean
            if normalize_std:
                value /= std + eps
            advantages[i] = [value] * len(trajectories[i].turns)
    return advantages
