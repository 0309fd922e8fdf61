"""IGPO advantage: group-normalised turn rewards (information gain + outcome), summed forward.

Wang et al. 2025, "Information Gain-based Policy Optimization" (arXiv 2510.14967). The
turn rewards are set by the shaping stage (``agentrl.rewards``): ``turn.reward`` holds the
information gain IG_t = p_t − p_{t−1} on non-final turns and the outcome reward (F1 / exact
match) on the final turn, so ``outcome`` defaults to "ignore".

Two forms (option ``form``):
- ``"paper"`` (default): every turn reward of the group is z-normalised with the mean and
  std of all turn rewards of the group's trajectories, r̂_{i,t} = (r_{i,t} − mean R)/(std R + ε)
  (population std), then Â_{i,t} = Σ_{k≥t} γ^{k−t} r̂_{i,k} — the discounted cumulative
  advantage (γ = ``gamma``, 1.0 by default).
- ``"code"``: the released code's form — the undiscounted return G_{i,t} = Σ_{k≥t} r_{i,k}
  minus the mean of G_{j,t} over the group's trajectories j that have a turn t.
"""

from __future__ import annotations

from typing import Literal

from agentrl.algos.advantages.batch import (
    TurnBatch,
    discounted_returns_matrix,
    group_stats,
    positional_baseline,
)
from agentrl.algos.advantages.returns import (
    OUTCOME_MODES,
    OutcomeMode,
    check_choice,
    reward_matrix,
)
from agentrl.algos.registry import register_advantage
from agentrl.core.types import Trajectory


@register_advantage("igpo")
def igpo(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    form: Literal["paper", "code"] = "paper",
    gamma: float = 1.0,
    outcome: OutcomeMode = "ignore",
    eps: float = 1e-6,
) -> list[list[float]]:
    """IGPO turn advantages (see the module docstring for the two forms).

    Errored trajectories get 0 and are left out of the group statistics.
    """
    check_choice("form", form, ("paper", "code"))
    check_choice("outcome", outcome, OUTCOME_MODES)
    batch = TurnBatch.of(trajectories)
    rewards = reward_matrix(batch, outcome)
    if form == "code":
        returns = discounted_returns_matrix(rewards, 1.0)
        return batch.scatter(positional_baseline(batch, returns))
    cell_group = (batch.group[:, None] * batch.mask)[batch.mask]
    mean, std, _ = group_stats(rewards[batch.mask], cell_group, batch.n_groups)
    row_mean, row_std = mean[batch.group][:, None], std[batch.group][:, None]
    normalised = (rewards - row_mean) / (row_std + eps) * batch.mask
    return batch.scatter(discounted_returns_matrix(normalised, gamma))
