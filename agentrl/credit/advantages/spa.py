"""SPA advantage: the advantage side of stepwise progress attribution.

Wang et al. 2025, "SPA-RL: Reinforcing LLM Agents via Stepwise Progress Attribution"
(arXiv 2505.20732). The shaping stage writes the step reward r_t = c_t + g_t into
``turn.reward`` (progress contribution c_t, grounding g_t); the paper then trains with PPO,
i.e. GAE over those step rewards with a critic (Schulman et al. 2016, eqs. 16–18).

``mode="gae"`` (default, the paper's PPO setup): GAE(γ, λ) with V(s_t) =
``turn.info["value"]``; the estimator declares that it needs values, so the trainer builds a
critic and fits it on the TD(λ) returns under the same options (equivalently:
``advantage: gae`` with ``outcome="ignore"``).
``mode="group_returns"`` (a critic-free option, not the paper's): the discounted return of the
step rewards, G_t = Σ_{k≥t} γ^{k−t} r_k, minus the mean of G_{j,t} over the group's
trajectories j that have a turn t (a group baseline per turn position).
``outcome`` defaults to "ignore": the progress rewards are trained so that Σ_t c_t ≈ R, so
R is not added again; "add" adds it on the last turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import (
    TurnBatch,
    discounted_returns_matrix,
    positional_baseline,
)
from agentrl.credit.advantages.gae import gae, gae_returns
from agentrl.credit.advantages.returns import (
    OUTCOME_MODES,
    OutcomeMode,
    check_choice,
    reward_matrix,
)
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage


def _critic_targets(batch: TurnBatch, *, gamma: float = 1.0, lam: float = 1.0,
                    outcome: OutcomeMode = "ignore", **_: Any) -> list[list[float | list[float]]]:
    """The critic's targets: the TD(λ) returns of the step rewards (SPA's ``outcome``
    default, "ignore", applies)."""
    return gae_returns(batch, gamma=gamma, lam=lam, outcome=outcome)


def _needs(options: Mapping[str, Any]) -> Needs:
    """Step rewards always; a critic under ``mode="gae"``, a group otherwise."""
    if options.get("mode", "gae") == "gae":
        return Needs(values=_critic_targets, step_rewards=True)
    return Needs(group_size=2, step_rewards=True)


@register_advantage("spa", needs=_needs)
def spa(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    mode: Literal["gae", "group_returns"] = "gae",
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
