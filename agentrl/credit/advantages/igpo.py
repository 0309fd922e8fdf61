"""IGPO advantage: turn rewards (information gain + outcome) turned into turn advantages.

Wang et al. 2025, "Information Gain-based Policy Optimization: A Simple and Effective
Approach for Multi-Turn LLM Agents" (arXiv 2510.14967v1), and the authors' code
``GuoqingWang1/IGPO`` at commit bff163b (``verl/trainer/ppo/core_algos.py``:
``compute_grpo_outcome_advantage``, the estimator its ``ray_trainer.compute_advantage``
calls for ``adv_estimator=grpo``).

The turn rewards come from the shaping stage (``rewards/igpo.py``): ``turn.reward`` holds
    r_{i,t} = π_θ(a | q, o_{i,≤t}) − π_θ(a | q, o_{i,≤t−1})   (1 ≤ t < T, information gain)
    r_{i,T} = the outcome reward (F1 of the answer)            (final turn)
so ``outcome`` defaults to "ignore". The objective is PPO-clipped,
    J(θ) = E[(1/G) Σ_i (1/|o_i|) Σ_t min(ρ_{i,t} A_{i,t}, clip(ρ_{i,t}, 1−ε, 1+ε) A_{i,t})
             − β D_KL(π_θ ‖ π_ref)],
with A_{i,t} given to every token of turn t; this module computes A_{i,t}.

What was read. The paper's objective and reward equations were read in secondary
renderings of its §3 (the arXiv HTML in the reference corpus stops after the
introduction); its advantage equation was not read directly. Two accounts of it agree: a
group-level z-normalisation of all turn rewards (information gain and outcome pooled), then
a discounted sum over the later turns — the form a later paper (A²TGPO, arXiv 2605.06200)
criticises as "normalizing across turns" and "accumulating a variable number of terms".
The code was read.

Two forms (option ``form``):
- ``"paper"`` (default):
      r̂_{i,t} = (r_{i,t} − mean R) / (std R + ε),  R = {r_{j,k}: every turn k of every
      trajectory j of the group} (population std),
      A_{i,t} = Σ_{k≥t} γ^{k−t} r̂_{i,k}        (γ = ``gamma``; 1.0 by default, the code's γ —
      the paper's value was not read).
- ``"code"``: what the released code trains with — no std normalisation, the undiscounted
  return G_{i,t} = Σ_{k≥t} r_{i,k}, minus the group mean at each position,
      A_{i,t} = G_{i,t} − (1/G) Σ_{j=1..G} G_{j,t},   G_{j,t} = 0 once trajectory j has ended
  (the code stacks the group's zero-padded return rows and takes their column mean). The
  code's position is a token index of the concatenated response; agentrl's trajectories
  are per turn, so the turn index stands in for it (the two agree when the group's turns
  line up token for token).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch, discounted_returns_matrix, group_stats
from agentrl.credit.advantages.returns import (
    OUTCOME_MODES,
    OutcomeMode,
    check_choice,
    reward_matrix,
)
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage


def pooled_z_scores(batch: TurnBatch, rewards: np.ndarray, eps: float) -> np.ndarray:
    """r̂_{i,t} = (r_{i,t} − mean R) / (std R + ε) over all turn rewards R of i's group."""
    cell_group = (batch.group[:, None] * batch.mask)[batch.mask]
    mean, std, _ = group_stats(rewards[batch.mask], cell_group, batch.n_groups)
    row_mean, row_std = mean[batch.group][:, None], std[batch.group][:, None]
    return (rewards - row_mean) / (row_std + eps) * batch.mask


def padded_position_baseline(batch: TurnBatch, returns: np.ndarray) -> np.ndarray:
    """A_{i,t} = G_{i,t} − (1/G) Σ_j G_{j,t}: the column mean of the group's zero-padded rows."""
    totals = np.zeros((batch.n_groups, returns.shape[1]))
    np.add.at(totals, batch.group, returns * batch.mask)
    sizes = np.bincount(batch.group, minlength=batch.n_groups).astype(float)
    baseline = totals[batch.group] / sizes[batch.group][:, None]
    return (returns - baseline) * batch.mask


@register_advantage("igpo", needs=Needs(ground_truth=True, step_rewards=True))
def igpo(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    form: Literal["paper", "code"] = "paper",
    gamma: float = 1.0,
    outcome: OutcomeMode = "ignore",
    eps: float = 1e-6,
) -> list[list[float]]:
    """IGPO turn advantages A_{i,t} (the two forms are in the module docstring).

    ``gamma`` is the paper form's discount (the code's return is undiscounted: ``form="code"``
    refuses any other γ). Errored trajectories get 0 and are left out of the group.
    """
    check_choice("form", form, ("paper", "code"))
    check_choice("outcome", outcome, OUTCOME_MODES)
    if not 0.0 <= gamma <= 1.0:
        raise ValueError(f"igpo: gamma={gamma!r}; the discount must lie in [0, 1]")
    if form == "code" and gamma != 1.0:
        raise ValueError(
            f"igpo: gamma={gamma!r} with form='code'; the authors' code sums the turn rewards "
            "undiscounted (γ = 1) — use form='paper' for a discounted sum"
        )
    batch = TurnBatch.of(trajectories)
    rewards = reward_matrix(batch, outcome) * batch.mask
    if form == "code":
        returns = discounted_returns_matrix(rewards, 1.0)
        return batch.scatter(padded_position_baseline(batch, returns))
    return batch.scatter(discounted_returns_matrix(pooled_z_scores(batch, rewards, eps), gamma))
