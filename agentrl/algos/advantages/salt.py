"""SALT: step-level advantages from a trajectory graph built over each group.

Li et al. 2025, "SALT: Step-level Advantage Assignment for Long-horizon Agents via
Trajectory Graph" (arXiv 2510.20022). Confirmed from the paper's abstract and summaries:
the G trajectories of one prompt are merged into a graph; step quality is derived from the
outcome rewards alone; shared steps are treated as neutral and distinct (decisive) steps
keep their signal; it refines the advantages of a group-based estimator (GRPO or RLOO)
without changing rollout. The equations themselves could not be read here, so this module
*assumes* the construction described in agentrl's methods.md:
1. base trajectory advantages Â_i from GRPO (DeepSeekMath §4.1.2) or RLOO (Ahmadian et al.
   2024, eq. 7) over the group;
2. graph nodes: identical steps of the group's trajectories are merged — identity is
   (state_key, action) by default, or the whole (state_key, action) history up to and
   including the step (``node="prefix"``, a tree);
3. a step's advantage is the mean of Â_j over the distinct trajectories j passing through
   its node: A_{i,t} = mean_{j ∈ traj(node(i,t))} Â_j.
A step no other trajectory shares keeps Â_i; a step shared by all gets the group mean (0).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from agentrl.algos.advantages.batch import TurnBatch, group_stats
from agentrl.algos.advantages.returns import check_choice
from agentrl.algos.registry import register_advantage
from agentrl.core.types import Trajectory


def base_advantages(batch: TurnBatch, base: str, normalize_std: bool, eps: float) -> np.ndarray:
    """Â_i per row: GRPO (population std, as ``grpo``) or RLOO (group of one → 0)."""
    rewards = batch.outcomes()
    mean, std, count = group_stats(rewards, batch.group, batch.n_groups)
    if base == "rloo":
        k = count[batch.group]
        others = np.divide(mean[batch.group] * k - rewards, k - 1,
                           out=np.zeros_like(rewards), where=k > 1)
        return np.where(k > 1, rewards - others, 0.0)
    centred = rewards - mean[batch.group]
    return centred / (std[batch.group] + eps) if normalize_std else centred


def node_codes(batch: TurnBatch, node: str) -> np.ndarray:
    """Graph-node number of every turn, row-major; nodes never cross groups.

    ``state_action``: equal (state_key, action) within a group. ``prefix``: equal history of
    (state_key, action) pairs up to and including the step — numbered incrementally from
    the parent node, so each step costs O(1).
    """
    table: dict[tuple, int] = {}
    codes: list[int] = []
    for trajectory, group in zip(batch.trajectories, batch.group.tolist(), strict=True):
        parent = -1 - group  # a distinct root per group
        for turn in trajectory.turns:
            key = (parent if node == "prefix" else group, turn.state_key, turn.action)
            code = table.setdefault(key, len(table))
            codes.append(code)
            parent = code
    return np.asarray(codes, dtype=np.int64)


@register_advantage("salt")
def salt(
    trajectories: list[Trajectory],
    *,
    base: Literal["grpo", "rloo"] = "grpo",
    node: Literal["state_action", "prefix"] = "state_action",
    normalize_std: bool = True,
    eps: float = 1e-6,
) -> list[list[float]]:
    """A_{i,t} = mean of the base advantages Â_j of the trajectories through step (i, t)'s node.

    ``base`` picks the trajectory-level estimator (``normalize_std`` and ``eps`` apply to
    grpo). A trajectory that visits a node twice counts once. Errored trajectories get 0
    and are left out of the graph.
    """
    check_choice("base", base, ("grpo", "rloo"))
    check_choice("node", node, ("state_action", "prefix"))
    batch = TurnBatch.build(trajectories)
    a_hat = base_advantages(batch, base, normalize_std, eps)
    codes = node_codes(batch, node)
    rows = np.repeat(np.arange(len(batch.trajectories)), batch.lengths)
    n_rows = max(len(batch.trajectories), 1)
    visits = np.unique(codes * n_rows + rows)  # each (node, trajectory) pair once
    visit_node, visit_row = visits // n_rows, visits % n_rows
    n_nodes = int(codes.max()) + 1 if codes.size else 0
    totals = np.bincount(visit_node, weights=a_hat[visit_row], minlength=n_nodes)
    counts = np.bincount(visit_node, minlength=n_nodes)
    advantages = np.zeros(batch.mask.shape)
    advantages[batch.mask] = totals[codes] / counts[codes]
    return batch.scatter(advantages)
