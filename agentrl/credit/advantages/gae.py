"""GAE: generalised advantage estimation over turns, with a critic's values (PPO).

Schulman et al. 2016, "High-Dimensional Continuous Control Using Generalized Advantage
Estimation":
- eq. (16)/(17): δ_t = r_t + γ V(s_{t+1}) − V(s_t);
- eq. (18):      Â_t = Σ_{l≥0} (γλ)^l δ_{t+l}, computed backwards as Â_t = δ_t + γλ Â_{t+1}.
The critic's regression targets are the λ-returns V̂_t = Â_t + V(s_t) (``gae_returns``).

Levels (option ``level``):
- ``"turn"``: a step is a turn; V(s_t) is ``turn.info["value"]``, written by the trainer's
  critic before estimation; one advantage per turn.
- ``"token"`` (verl's token-level PPO): a step is an action token; the trajectory's action
  tokens, turn after turn, form one sequence with V = ``turn.info["token_values"]`` (one
  per action token; the observation tokens between turns are not steps), turn t's reward
  on its last token (a turn without tokens: on the last token before it, or the first
  one after it when none is before), γ and λ per token; each turn's entry is the list of
  its tokens' advantages (0.0 without tokens).

Choices (documented options):
- r_t is ``turn.reward`` with the outcome reward added on the last turn unless the env's
  step rewards already pay it (``outcome="auto"``; see ``returns`` for "add" / "replace" /
  "ignore");
- the value after the last turn is 0: a terminated episode has no future, and a truncated
  one is not bootstrapped because no value of the final observation is recorded.
Defaults γ = λ = 1.0 follow verl's PPO for LLM agents (undiscounted episodic returns).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.advantages.returns import (
    OUTCOME_MODES,
    OutcomeMode,
    check_choice,
    reward_matrix,
)
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage

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


def token_gae(batch: TurnBatch, turn_rewards: np.ndarray, gamma: float, lam: float,
              targets: bool) -> list[float | list[float]]:
    """GAE over each trajectory's action tokens (``level="token"``), one entry per turn,
    row-major: the list of its tokens' Â (or Â + V with ``targets``), 0.0 without tokens."""
    counts = batch.token_counts
    n_rows = len(batch.trajectories)
    row_tokens = np.bincount(batch.turn_row, weights=counts, minlength=n_rows).astype(np.int64)
    row_start = np.cumsum(row_tokens) - row_tokens
    token_row = batch.turn_row[batch.token_turn]
    token_col = np.arange(batch.token_turn.size) - row_start[token_row]
    width = int(row_tokens.max()) if n_rows else 0
    values = np.zeros((n_rows, width))
    values[token_row, token_col] = batch.token_info("token_values", "gae (level='token')",
                                                    VALUE_HINT)
    rewards = np.zeros((n_rows, width))
    # the last token of the row's turns so far (in the row's own numbering)
    last_token = batch.first_token + counts - row_start[batch.turn_row] - 1
    placed = row_tokens[batch.turn_row] > 0
    np.add.at(rewards, (batch.turn_row[placed], np.maximum(last_token[placed], 0)),
              turn_rewards[placed])
    advantages = gae_matrix(rewards, values, gamma, lam)
    per_token = (advantages + values if targets else advantages)[token_row, token_col]
    return batch.split_tokens(per_token, np.zeros(batch.n_turns))


def _gae(trajectories: list[Trajectory] | TurnBatch, gamma: float, lam: float,
         outcome: OutcomeMode, level: str, targets: bool) -> list[list[float | list[float]]]:
    check_choice("outcome", outcome, OUTCOME_MODES)
    check_choice("level", level, ("turn", "token"))
    batch = TurnBatch.of(trajectories)
    rewards = reward_matrix(batch, outcome)
    if level == "token":
        return batch.scatter_flat(token_gae(batch, rewards[batch.mask], gamma, lam, targets))
    values = batch.info_matrix("value", "gae", VALUE_HINT)
    advantages = gae_matrix(rewards, values, gamma, lam)
    return batch.scatter(advantages + values if targets else advantages)


def critic_targets(batch: TurnBatch, **options: Any) -> list[list[float | list[float]]]:
    """The critic's regression targets under the estimator's ``options`` (`gae_returns`)."""
    return gae_returns(batch, **{key: options[key] for key in ("gamma", "lam", "outcome", "level")
                                 if key in options})


@register_advantage("gae", needs=Needs(values=critic_targets))
def gae(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    gamma: float = 1.0,
    lam: float = 1.0,
    outcome: OutcomeMode = "auto",
    level: Literal["turn", "token"] = "turn",
) -> list[list[float | list[float]]]:
    """GAE(γ, λ) per turn or per action token (Schulman et al. 2016, eqs. 16–18); errored
    trajectories get 0.

    Values come from the critic (see the module docstring); trajectories are independent
    (no groups).
    """
    return _gae(trajectories, gamma, lam, outcome, level, targets=False)


def gae_returns(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    gamma: float = 1.0,
    lam: float = 1.0,
    outcome: OutcomeMode = "auto",
    level: Literal["turn", "token"] = "turn",
) -> list[list[float | list[float]]]:
    """The critic's targets V̂ = Â + V (the TD(λ) return) per turn or token; errored get 0."""
    return _gae(trajectories, gamma, lam, outcome, level, targets=True)
