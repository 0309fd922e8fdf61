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

from agentrl.algos.advantages.batch import TurnBatch, distinct, pair_codes
from agentrl.algos.advantages.grpo import grpo_advantages
from agentrl.algos.advantages.returns import check_choice
from agentrl.algos.advantages.rloo import rloo_advantages
from agentrl.algos.registry import register_advantage
from agentrl.core.types import Trajectory


def base_advantages(batch: TurnBatch, base: str, normalize_std: bool, eps: float) -> np.ndarray:
    """Â_i per row: the ``grpo`` (population std) or ``rloo`` (group of one → 0) estimate."""
    return rloo_advantages(batch) if base == "rloo" else grpo_advantages(batch, normalize_std, eps)


def node_codes(batch: TurnBatch, node: str) -> np.ndarray:
    """Graph-node number of every turn, row-major; nodes never cross groups.

    ``state_action``: equal (group, state_key, action). ``prefix``: equal history of
    (state_key, action) pairs up to and including the step — numbered position by position
    from the parent node's number, each position one vectorised pass over the rows.
    """
    step = batch.codes("state_key", "action")
    if node == "state_action":
        return pair_codes(np.repeat(batch.group, batch.lengths), step)
    steps = batch.matrix(step)
    codes = np.zeros(steps.shape, dtype=np.int64)
    parent = batch.group.copy()  # a distinct root per group
    numbered = 0
    for t in range(steps.shape[1]):
        alive = batch.lengths > t
        children = pair_codes(parent[alive], steps[alive, t])
        codes[alive, t] = children + numbered
        parent[alive] = children
        numbered += int(children.max()) + 1
    return codes[batch.mask]


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
    rows = batch.turn_row
    n_rows = max(len(batch.trajectories), 1)
    visits = distinct(codes * n_rows + rows)  # each (node, trajectory) pair once
    visit_node, visit_row = visits // n_rows, visits % n_rows
    n_nodes = int(codes.max()) + 1 if codes.size else 0
    totals = np.bincount(visit_node, weights=a_hat[visit_row], minlength=n_nodes)
    counts = np.bincount(visit_node, minlength=n_nodes)
    advantages = np.zeros(batch.mask.shape)
    advantages[batch.mask] = totals[codes] / counts[codes]
    return batch.scatter(advantages)
