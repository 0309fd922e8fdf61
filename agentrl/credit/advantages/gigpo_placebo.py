"""Placebo GiGPO: GiGPO with its anchor-state groups shuffled — a control, not a method.

The anchor group of every turn (GiGPO eq. 6, equal ``state_key`` within an episode group) is
permuted at random among the turns of the same episode group: every step group keeps its
size, so the batch's step-group size histogram (and each episode group's) is exactly
GiGPO's, but membership carries no state information. Then A = A^E + ω A^S as in GiGPO
(eqs. 3, 5–8). If a gain of GiGPO over GRPO is also a gain of the placebo, it comes from the
extra, state-blind A^S term (its magnitude, the discount γ), not from matching states.
The permutation is seeded (``seed``), so the function stays pure.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.advantages.gigpo import anchor_codes, gigpo_with_anchors
from agentrl.credit.advantages.returns import OutcomeMode
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage


def shuffled_within_groups(codes: np.ndarray, groups: np.ndarray,
                           rng: np.random.Generator) -> np.ndarray:
    """``codes`` permuted at random among the entries of each ``groups`` value.

    Sorting by (group, random key) and by group alone lines up the same group blocks, so
    moving each block's codes to the randomly ordered positions permutes within groups.
    """
    by_group = np.argsort(groups, kind="stable")
    shuffled = np.lexsort((rng.random(groups.size), groups))
    out = np.empty_like(codes)
    out[shuffled] = codes[by_group]
    return out


@register_advantage("gigpo-placebo", needs=Needs(state_key=True))
def gigpo_placebo(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    seed: int = 0,
    gamma: float = 0.95,
    omega: float = 1.0,
    mode: Literal["mean_norm", "mean_std_norm"] = "mean_norm",
    episode_stats: Literal["step", "trajectory"] = "step",
    outcome: OutcomeMode = "auto",
    eps: float = 1e-6,
) -> list[list[float]]:
    """GiGPO's A = A^E + ω A^S with anchor groups shuffled within each episode group.

    Same options as ``gigpo`` (no fuzzy merge); ``seed`` seeds the shuffle.
    """
    batch = TurnBatch.of(trajectories)
    groups = np.repeat(batch.group, batch.lengths)
    codes = shuffled_within_groups(anchor_codes(batch, None), groups,
                                   np.random.default_rng(seed))
    return gigpo_with_anchors(batch, codes, gamma=gamma, omega=omega, mode=mode,
                              episode_stats=episode_stats, outcome=outcome, eps=eps)
