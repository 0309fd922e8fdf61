"""REINFORCE++: per-turn returns with the KL penalty in the reward, globally normalised.

Hu et al. 2025, "REINFORCE++" (arXiv 2501.03262):
- eq. (8): A_t = r(x, y) − β Σ_{i≥t} KL(i)  — the KL-in-reward return;
- eq. (10): A^norm = (A − mean_batch A) / std_batch A — normalised over the whole batch,
  not per prompt group;
- "REINFORCE++ w/ baseline" (group sampling, k > 1): the group-mean reward is subtracted
  from R before the return is formed, and the global normalisation is applied after.

Turn-level adaptation: a turn is one step, its KL penalty is ``turn.info["kl"]`` (the
trainer writes the summed token KL of that turn there when ``kl_coef > 0``; token-level
KL-in-reward inside a turn stays a trainer concern), and the return is discounted over turns
with ``gamma`` (1.0 in the paper). Batch statistics are over all turns of all non-errored
trajectories (population std), the turn being the unit the trainer broadcasts to tokens.
"""

from __future__ import annotations

from typing import Literal

from agentrl.algos.advantages.batch import TurnBatch, discounted_returns_matrix, group_stats
from agentrl.algos.advantages.returns import (
    OUTCOME_MODES,
    OutcomeMode,
    check_choice,
    reward_matrix,
)
from agentrl.algos.registry import register_advantage
from agentrl.core.types import Trajectory

KL_HINT = "have the trainer write each turn's KL to the reference policy, or set kl_coef=0"


@register_advantage("reinforce++")
def reinforce_pp(
    trajectories: list[Trajectory],
    *,
    gamma: float = 1.0,
    kl_coef: float = 0.0,
    baseline: Literal["none", "group_mean"] = "group_mean",
    outcome: OutcomeMode = "add",
    eps: float = 1e-8,
) -> list[list[float]]:
    """REINFORCE++ (Hu et al. 2025, eqs. 8 and 10) at turn level.

    G_t = Σ_{l≥t} γ^{l−t} (r_l − β·kl_l), with R − mean_group R in place of R when
    ``baseline="group_mean"`` (the paper's variant for group sampling; "none" is plain
    REINFORCE++), then A_t = (G_t − mean_batch G) / (std_batch G + eps).
    ``outcome`` places R among the turn rewards (see ``returns``; with "ignore" R is not
    used, nor its baseline); β = ``kl_coef``. Errored trajectories get 0.
    """
    check_choice("baseline", baseline, ("none", "group_mean"))
    check_choice("outcome", outcome, OUTCOME_MODES)
    batch = TurnBatch.build(trajectories)
    rewards = reward_matrix(batch, outcome)
    if baseline == "group_mean" and outcome != "ignore":
        mean_r, _, _ = group_stats(batch.outcomes(), batch.group, batch.n_groups)
        rows, cols = batch.last_turn()
        rewards[rows, cols] -= mean_r[batch.group[rows]]
    if kl_coef != 0.0:
        rewards -= kl_coef * batch.info_matrix("kl", "reinforce++", KL_HINT)
    returns = discounted_returns_matrix(rewards, gamma)
    pooled = returns[batch.mask]
    if pooled.size:
        returns = (returns - pooled.mean()) / (pooled.std() + eps)
    return batch.scatter(returns)
