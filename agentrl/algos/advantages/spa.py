"""SPA advantage: the advantage side of stepwise progress attribution.

Wang et al. 2025, "SPA-RL: Reinforcing LLM Agents via Stepwise Progress Attribution"
(arXiv 2505.20732). The shaping stage writes the step reward r_t = c_t + g_t into
``turn.reward`` (progress contribution c_t, grounding g_t); the paper then trains with PPO,
i.e. GAE over those step rewards with a critic (Schulman et al. 2016, eqs. 16–18).

``mode="gae"`` (the paper's PPO setup): GAE(γ, λ) with V(s_t) = ``turn.info["value"]``;
it needs the trainer's critic (equivalently: ``advantage: gae`` with ``outcome="ignore"``).
``mode="group_returns"`` (default, critic-free): the discounted return of the step rewards,
G_t = Σ_{k≥t} γ^{k−t} r_k, minus the mean of G_{j,t} over the group's trajectories j that
have a turn t (a group baseline per turn position). It is the default because the trainer
builds a critic only for ``advantage: gae``, so ``spa`` runs anywhere out of the box.
``outcome`` defaults to "ignore": the progress rewards are trained so that Σ_t c_t ≈ R, so
R is not added again; "add" adds it on the last turn.
"""

from __future__ import annotations

from typing import Literal

from agentrl.algos.advantages.batch import (
    TurnBatch,
    discounted_returns_matrix,
    positional_baseline,
)
from agentrl.algos.advantages.gae import gae
from agentrl.algos.advantages.returns import (
    OUTCOME_MODES,
    OutcomeMode,
    check_choice,
    reward_matrix,
)
from agentrl.algos.registry import register_advantage
from agentrl.core.types import Trajectory


@register_advantage("spa")
def spa(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    mode: Literal["gae", "group_returns"] = "group_returns",
    gamma: float = 1.0,
    lam: float = 1.0,
    outcome: OutcomeMode = "ignore",
) -> list[list[float]]:
    """SPA-RL step advantages over r_t = c_t + g_t (see the module docstring).

    ``lam`` is used by ``mode="gae"`` only. Errored trajectories get 0.
    """
    check_choice("mode", mode, ("gae", "group_returns"))
    check_choice("outcome", outcome, OUTCOME_MODES)
    if mode == "gae":
        return gae(trajectories, gamma=gamma, lam=lam, outcome=outcome)
    batch = TurnBatch.of(trajectories)
    returns = discounted_returns_matrix(reward_matrix(batch, outcome), gamma)
    return batch.scatter(positional_baseline(batch, returns))
