"""GAE: generalised advantage estimation over turns, with a critic's values (PPO).

Schulman et al. 2016, "High-Dimensional Continuous Control Using Generalized Advantage
Estimation":
- eq. (16)/(17): δ_t = r_t + γ V(s_{t+1}) − V(s_t);
- eq. (18):      Â_t = Σ_{l≥0} (γλ)^l δ_{t+l}, computed backwards as Â_t = δ_t + γλ Â_{t+1}.
The critic's regression targets are the λ-returns V̂_t = Â_t + V(s_t) (``gae_returns``).

Turn-level choices (documented options):
- V(s_t) is ``turn.info["value"]``, written by the trainer before estimation;
- r_t is ``turn.reward`` with the outcome reward added on the last turn (``outcome="add"``;
  see ``returns`` for "replace" / "ignore");
- the value after the last turn is 0: a terminated episode has no future, and a truncated
  one is not bootstrapped because no value of the final observation is recorded.
Defaults γ = λ = 1.0 follow verl's PPO for LLM agents (undiscounted episodic returns).
"""

from __future__ import annotations

import numpy as np

from agentrl.algos.advantages.batch import TurnBatch
from agentrl.algos.advantages.returns import (
    OUTCOME_MODES,
    OutcomeMode,
    check_choice,
    reward_matrix,
)
from agentrl.algos.registry import register_advantage
from agentrl.core.types import Trajectory

VALUE_HINT = (
    "the trainer must run the critic and write V(s_t) before estimating advantages, "
    "or use a critic-free estimator"
)


def gae_matrix(rewards: np.ndarray, values: np.ndarray, gamma: float, lam: float) -> np.ndarray:
    """Â_t = δ_t + γλ Â_{t+1}, δ_t = r_t + γ V_{t+1} − V_t, V = 0 past the end (eqs. 16–18).

    Row-wise over padded matrices; padded cells have r = V = 0, hence δ = 0.
    """
    advantages = np.zeros_like(rewards)
    running = np.zeros(rewards.shape[0])
    next_value = np.zeros(rewards.shape[0])
    for t in range(rewards.shape[1] - 1, -1, -1):
        delta = rewards[:, t] + gamma * next_value - values[:, t]
        running = delta + gamma * lam * running
        advantages[:, t] = running
        next_value = values[:, t]
    return advantages


def _gae(trajectories: list[Trajectory] | TurnBatch, gamma: float, lam: float,
         outcome: OutcomeMode, targets: bool) -> list[list[float]]:
    check_choice("outcome", outcome, OUTCOME_MODES)
    batch = TurnBatch.of(trajectories)
    values = batch.info_matrix("value", "gae", VALUE_HINT)
    advantages = gae_matrix(reward_matrix(batch, outcome), values, gamma, lam)
    return batch.scatter(advantages + values if targets else advantages)


@register_advantage("gae")
def gae(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    gamma: float = 1.0,
    lam: float = 1.0,
    outcome: OutcomeMode = "add",
) -> list[list[float]]:
    """GAE(γ, λ) per turn (Schulman et al. 2016, eqs. 16–18); errored trajectories get 0.

    Values come from ``turn.info["value"]``; trajectories are independent (no groups).
    """
    return _gae(trajectories, gamma, lam, outcome, targets=False)


def gae_returns(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    gamma: float = 1.0,
    lam: float = 1.0,
    outcome: OutcomeMode = "add",
) -> list[list[float]]:
    """The critic's targets V̂_t = Â_t + V(s_t) (the TD(λ) return); errored get 0."""
    return _gae(trajectories, gamma, lam, outcome, targets=True)
