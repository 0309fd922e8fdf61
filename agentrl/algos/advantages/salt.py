"""SALT: step-level advantages from a trajectory graph built over each group.

Li et al. 2025, "SALT: Step-level Advantage Assignment for Long-horizon Agents via
Trajectory Graph" (arXiv 2510.20022; Findings of EACL 2026). From the paper's abstract:
the G trajectories of one prompt are merged into a graph; step quality is derived from the
outcome rewards alone; shared steps are treated as neutral and distinct (decisive) steps
keep their signal; it refines the advantages of a group-based estimator (GRPO or RLOO)
without changing rollout. The paper's method section (and so its equation numbers) could
not be read here; the construction follows the account of SALT in Appendix A.3 of Yao et
al., "Back to the Definition: Estimating Step-Level Advantages via Trajectory Graphs"
(GRAFT): trajectory advantages from GRPO, identical transitions of different trajectories
grouped, each action given the mean of the advantages its group's steps inherit.
1. base trajectory advantages Â_i from GRPO (DeepSeekMath §4.1.2) or RLOO (Ahmadian et al.
   2024, eq. 7) over the group;
2. graph edges: identical steps of the group's trajectories are merged — identity is the
   transition (state_key, action, next state_key) with ``node="transition"`` (GRAFT's
   reading of the paper), (state_key, action) by default (the same edge whenever the env is
   deterministic given its state key), or the whole (state_key, action) history up to and
   including the step (``node="prefix"``, a tree: our variant, not from the paper);
3. a step's advantage is the mean of Â_j over the trajectories j passing through its edge:
   A_{i,t} = mean_{j ∈ traj(edge(i,t))} Â_j. ``count="trajectory"`` (default) counts a
   trajectory once at an edge it takes twice; ``count="occurrence"`` counts every step.
   The paper's choice here is unconfirmed.
A step no other trajectory shares keeps Â_i; a step shared by all gets the group mean (0).
No mixing weight with Â_i and no renormalisation: no account of the paper mentions one.

Expected, not a bug: with Markov prompts (the steps merged into a node have identical
prompts and actions, so identical ∇ log π) SALT's policy gradient equals GRPO's before
clipping — over a node, Σ_occurrences mean_j(Â_j) ∇ log π = Σ_j Â_j ∇ log π (exact with
``count="occurrence"``, and with ``"trajectory"`` when no trajectory repeats a node). SALT
can differ from GRPO only through clipping, or when prompts carry the history
(``tests/algos/test_credit_identities.py``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from agentrl.algos.advantages.batch import TurnBatch, distinct, intern, pair_codes
from agentrl.algos.advantages.grpo import grpo_advantages
from agentrl.algos.advantages.returns import check_choice
from agentrl.algos.advantages.rloo import rloo_advantages
from agentrl.algos.registry import register_advantage
from agentrl.core.types import Trajectory


def base_advantages(batch: TurnBatch, base: str, normalize_std: bool, eps: float) -> np.ndarray:
    """Â_i per row: the ``grpo`` (population std) or ``rloo`` (group of one → 0) estimate."""
    return rloo_advantages(batch) if base == "rloo" else grpo_advantages(batch, normalize_std, eps)


def node_codes(batch: TurnBatch, node: str) -> np.ndarray:
    """Graph-edge number of every turn, row-major; edges never cross groups.

    ``state_action``: equal (group, state_key, action). ``transition``: equal (group,
    state_key, action, next state_key); the last turn's next state is the final
    observation's. ``prefix``: equal history of (state_key, action) pairs up to and
    including the step — numbered position by position from the parent node's number,
    each position one vectorised pass over the rows.
    """
    step = batch.codes("state_key", "action")
    groups = np.repeat(batch.group, batch.lengths)
    if node == "state_action":
        return pair_codes(groups, step)
    if node == "transition":
        return pair_codes(pair_codes(groups, step), next_state_codes(batch))
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


def next_state_codes(batch: TurnBatch) -> np.ndarray:
    """Interned state_key reached by every turn: the next turn's, or the final observation's
    ("" when the trajectory has none)."""
    reached: list[str] = []
    for trajectory in batch.trajectories:
        keys = [turn.state_key for turn in trajectory.turns[1:]]
        final = trajectory.final_observation
        reached += [*keys, final.state_key if final is not None else ""]
    return intern(reached)


@register_advantage("salt")
def salt(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    base: Literal["grpo", "rloo"] = "grpo",
    node: Literal["state_action", "transition", "prefix"] = "state_action",
    count: Literal["trajectory", "occurrence"] = "trajectory",
    normalize_std: bool = True,
    eps: float = 1e-6,
) -> list[list[float]]:
    """A_{i,t} = mean of the base advantages Â_j of the trajectories through step (i, t)'s edge.

    ``base`` picks the trajectory-level estimator (``normalize_std`` and ``eps`` apply to
    grpo); ``node`` the step identity; ``count`` whether a trajectory taking an edge twice
    counts once or twice. Errored trajectories get 0 and are left out of the graph.
    """
    check_choice("base", base, ("grpo", "rloo"))
    check_choice("node", node, ("state_action", "transition", "prefix"))
    check_choice("count", count, ("trajectory", "occurrence"))
    batch = TurnBatch.of(trajectories)
    a_hat = base_advantages(batch, base, normalize_std, eps)
    codes = node_codes(batch, node)
    rows = batch.turn_row
    if count == "trajectory":
        n_rows = max(len(batch.trajectories), 1)
        visits = distinct(codes * n_rows + rows)  # each (edge, trajectory) pair once
        visit_node, visit_row = visits // n_rows, visits % n_rows
    else:
        visit_node, visit_row = codes, rows
    n_nodes = int(codes.max()) + 1 if codes.size else 0
    totals = np.bincount(visit_node, weights=a_hat[visit_row], minlength=n_nodes)
    counts = np.bincount(visit_node, minlength=n_nodes)
    advantages = np.zeros(batch.mask.shape)
    advantages[batch.mask] = totals[codes] / counts[codes]
    return batch.scatter(advantages)
