"""SALT: step-level advantages from a trajectory graph built over each group.

Li et al. 2025, "SALT: Step-level Advantage Assignment for Long-horizon Agents via
Trajectory Graph" (arXiv 2510.20022v1; Findings of EACL 2026).

What was read. The paper's method section could not be read here: the reference corpus
holds the arXiv HTML (https://arxiv.org/html/2510.20022v1) only up to its abstract, and no
code of the authors' was found. The abstract says: the G trajectories of one prompt are
merged into a graph; step quality is derived from the outcome rewards alone; SALT refines
the advantages of a group-based estimator (GRPO or RLOO) without changing rollout. The
construction below is the best-sourced reading: the account of SALT in Appendix A.3 of Yao
et al., "Back to the Definition: Estimating Step-Level Advantages via Trajectory Graphs"
(GRAFT), which "computes trajectory-level advantages via GRPO, then identifies identical
transitions (s, a, s′) across trajectories into a group and averages their inherited
advantages". The paper's own equation numbers are therefore not cited.

Defaults (that reading):
1. Â_i, the base trajectory advantage: GRPO, Â_i = (R_i − mean R) / (std R + ε) (DeepSeekMath
   §4.1.2, population std); ``base="rloo"`` gives RLOO's (Ahmadian et al. 2024, eq. 7);
2. the graph's edges are transitions e = (s_t, a_t, s_{t+1}) of the group's trajectories
   (``node="transition"``; s is ``state_key``, the last step's s_{t+1} is the final
   observation's key); equal transitions of different trajectories are one edge;
3. every step on an edge gets the mean of the advantages its steps inherit,
       A_{i,t} = (1 / |S(e)|) Σ_{(j,k) ∈ S(e)} Â_j,     S(e) = the steps (j, k) taking e
   (``count="occurrence"``): a step no other step shares keeps Â_i, a step taken by every
   trajectory of the group once gets the group mean (0 under GRPO).
No mixing with Â_i and no renormalisation afterwards: no account of SALT mentions one.

Options (agentrl's earlier behaviour and variants, none from the paper):
- ``node="state_action"``: edge (s_t, a_t), the next state ignored (agentrl's earlier
  default; the same as ``transition`` whenever the env is deterministic given its state key,
  different on a stochastic env);
- ``node="prefix"``: the whole (s, a) history up to and including the step (a tree);
- ``count="trajectory"``: a trajectory taking an edge twice counts once in the mean
  (agentrl's earlier default).

Expected, not a bug: with Markov prompts (steps merged into an edge have identical prompts
and actions, so identical ∇ log π) SALT's policy gradient equals GRPO's before clipping —
over an edge, Σ_occurrences mean(Â) ∇ log π = Σ_occurrences Â_j ∇ log π (exact with
``count="occurrence"``, and with ``"trajectory"`` when no trajectory repeats an edge). SALT
can differ from GRPO only through clipping, or when prompts carry the history
(``tests/credit/test_credit_identities.py``).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch, distinct, intern, pair_codes
from agentrl.credit.advantages.grpo import grpo_advantages
from agentrl.credit.advantages.returns import check_choice
from agentrl.credit.advantages.rloo import rloo_advantages
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage


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
    """Interned state_key reached by every turn, s_{t+1}: the next turn's, or the final
    observation's ("" when the trajectory has none)."""
    reached: list[str] = []
    for trajectory in batch.trajectories:
        if not trajectory.turns:
            continue  # a trajectory with no turn has no transition
        keys = [turn.state_key for turn in trajectory.turns[1:]]
        final = trajectory.final_observation
        reached += [*keys, final.state_key if final is not None else ""]
    return intern(reached)


@register_advantage("salt", needs=Needs(group_size=2, state_key=True))
def salt(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    base: Literal["grpo", "rloo"] = "grpo",
    node: Literal["transition", "state_action", "prefix"] = "transition",
    count: Literal["occurrence", "trajectory"] = "occurrence",
    normalize_std: bool = True,
    eps: float = 1e-6,
) -> list[list[float]]:
    """A_{i,t} = (1/|S(e)|) Σ_{(j,k) ∈ S(e)} Â_j over the steps S(e) on step (i, t)'s edge e.

    ``base`` picks the trajectory-level estimator (``normalize_std`` and ``eps`` apply to
    grpo); ``node`` the edge identity; ``count`` whether a trajectory taking an edge twice
    counts twice (``occurrence``) or once (``trajectory``). Defaults: GRAFT's account of
    SALT (module docstring). Errored trajectories get 0 and are left out of the graph.
    """
    check_choice("base", base, ("grpo", "rloo"))
    check_choice("node", node, ("transition", "state_action", "prefix"))
    check_choice("count", count, ("occurrence", "trajectory"))
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
