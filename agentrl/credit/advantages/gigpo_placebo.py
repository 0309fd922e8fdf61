"""Placebo GiGPO: GiGPO with its anchor-state groups shuffled — a control, not a method.

The anchor group of every turn (GiGPO eq. 6, equal ``state_key`` within an episode group) is
permuted at random among the turns of the same episode group: every step group keeps its
size, so the batch's step-group size histogram (and each episode group's) is exactly
GiGPO's, but membership carries no state information. Then A = A^E + ω A^S as in GiGPO
(eqs. 3, 5–8). If a gain of GiGPO over GRPO is also a gain of the placebo, it comes from the
extra, state-blind A^S term (its magnitude, the discount γ), not from matching states.
The permutation is seeded, so the function stays pure, and it depends on no batch
position: each episode group draws its own permutation from a generator seeded with a
stable hash of (``seed``, its ``group_id``), over its members in a canonical order
(`canonical_members`: by `Trajectory.member`, then by content), so shuffling a batch or
splitting it over ranks changes no advantage. (Before the draw went over the turns in
batch order with one generator; results made so with the same seed differ.)
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from agentrl.core.splits import stable_hash
from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.advantages.gigpo import anchor_codes, gigpo_with_anchors
from agentrl.credit.advantages.returns import OutcomeMode
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage


def shuffled_within_groups(codes: np.ndarray, groups: np.ndarray,
                           rng: np.random.Generator) -> np.ndarray:
    """``codes`` permuted at random among the entries of each ``groups`` value, in one draw
    over the entries in their given order (positional; the estimator uses `placebo_codes`).

    Sorting by (group, random key) and by group alone lines up the same group blocks, so
    moving each block's codes to the randomly ordered positions permutes within groups.
    """
    by_group = np.argsort(groups, kind="stable")
    shuffled = np.lexsort((rng.random(groups.size), groups))
    out = np.empty_like(codes)
    out[shuffled] = codes[by_group]
    return out


def member_order_key(trajectory: Trajectory) -> tuple:
    """A trajectory's place among its group's members that no batch position decides: its
    `Trajectory.member` index (-1 when unset: files and hand-built batches from before it),
    then its content (each turn's state_key, action and reward, then the outcome), which
    orders members with equal indices (pooled resampling rounds) or none. Members equal in
    all of these are interchangeable to the estimator; they keep their relative order."""
    content = tuple((turn.state_key, turn.action, turn.reward) for turn in trajectory.turns)
    member = -1 if trajectory.member is None else trajectory.member
    return member, content, trajectory.outcome_reward


def canonical_members(batch: TurnBatch) -> dict[str, list[int]]:
    """Each episode group's rows (indices into ``batch.trajectories``), keyed by group_id,
    members in `member_order_key` order."""
    rows: dict[str, list[int]] = {}
    for row, trajectory in enumerate(batch.trajectories):
        rows.setdefault(trajectory.group_id, []).append(row)
    return {group_id: sorted(members, key=lambda r: member_order_key(batch.trajectories[r]))
            for group_id, members in rows.items()}


def placebo_codes(batch: TurnBatch, seed: int) -> np.ndarray:
    """GiGPO's anchor codes (one per turn, row-major) permuted within each episode group: the
    group's turns taken member by member in canonical order, permuted by a generator seeded
    from ``stable_hash(f"{seed}/{group_id}")``. Neither the batch's order nor its other
    groups change a group's draw."""
    codes = anchor_codes(batch, None)
    starts = np.concatenate(([0], np.cumsum(batch.lengths)[:-1])).astype(np.int64)
    out = codes.copy()
    for group_id, rows in canonical_members(batch).items():
        positions = np.concatenate([np.arange(starts[r], starts[r] + batch.lengths[r])
                                    for r in rows]).astype(np.int64)
        rng = np.random.default_rng(stable_hash(f"{seed}/{group_id}"))
        out[positions] = codes[positions[rng.permutation(positions.size)]]
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

    Same options as ``gigpo`` (no fuzzy merge); ``seed`` seeds the shuffle, together with
    each group's ``group_id`` (`placebo_codes`): the result does not depend on batch order.
    """
    batch = TurnBatch.of(trajectories)
    codes = placebo_codes(batch, seed)
    return gigpo_with_anchors(batch, codes, gamma=gamma, omega=omega, mode=mode,
                              episode_stats=episode_stats, outcome=outcome, eps=eps)
