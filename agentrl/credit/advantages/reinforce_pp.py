"""REINFORCE++: returns with the KL penalty in the reward, normalised over the whole batch.

Hu et al. 2025, "REINFORCE++" (arXiv 2501.03262):
- eq. (8): A_t = r(x, y) − β Σ_{i≥t} KL(i)  — the KL-in-reward return: the outcome
  reward on the last token and a KL penalty on every token;
- eq. (9): KL(t) = log(π_old(a_t | s_t) / π_ref(a_t | s_t)) (the k1 estimator);
- eq. (10): A^norm = (A − mean_batch A) / std_batch A — over the whole batch, not per group;
- "REINFORCE++ w/ baseline" (group sampling, k > 1): the group-mean reward is subtracted
  from R before the return is formed, and the global normalisation is applied after.

Multi-turn form: turn l's reward r_l (after shaping; R added per ``outcome``) arrives with
its last token, returns are discounted over turns by ``gamma`` (1.0 in the paper) and not
inside a turn. ``level`` picks the sample unit:

- ``"token"`` (the paper): every action token is a sample. Token j of turn k has
  G_{k,j} = G_k + β Σ_{i<j in turn k} KL(i), where G_k = Σ_{l≥k} γ^{l−k} (r_l − β KL_l)
  and KL_l is the sum of turn l's token KLs — i.e. eq. (8) with the KL of the tokens
  before j in the same turn left out. The KLs are ``turn.info["token_kl"]`` (one per
  action token; the trainer writes them from the rollout and reference log-probs).
  Batch statistics weigh each turn by its number of action tokens. With β > 0 a turn's
  entry is a list, one advantage per action token; with β = 0 all of a turn's tokens
  share its value, so it is one float.
- ``"turn"``: every turn is one sample with KL_l = ``turn.info["kl"]``, one float per turn.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

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

KL_HINT = ("the trainer writes each turn's KL to the reference policy when the estimator's "
           "kl_coef > 0; outside the trainer write it yourself, or set kl_coef=0")


def pooled_stats(values: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """Population (mean, std) of all ``values`` as one group (eq. 10's batch statistics),
    ``weights`` counting each value that many times; (0, 0) for no weight."""
    mean, std, _ = group_stats(values, np.zeros(values.size, dtype=np.int64), 1,
                               weights=weights)
    return float(mean[0]), float(std[0])


def _needs(options: Mapping[str, Any]) -> Needs:
    """The KL in the reward (``kl_coef > 0``) needs per-token reference log-probs."""
    return Needs(reference_logprobs=bool(options.get("kl_coef", 0.0)))


@register_advantage("reinforce++", needs=_needs)
def reinforce_pp(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    gamma: float = 1.0,
    kl_coef: float = 0.0,
    level: Literal["token", "turn"] = "token",
    baseline: Literal["none", "group_mean"] = "group_mean",
    outcome: OutcomeMode = "auto",
    eps: float = 1e-8,
) -> list[list[float | list[float]]]:
    """REINFORCE++ (Hu et al. 2025, eqs. 8–10) over turns and tokens.

    G per the module docstring with β = ``kl_coef``, R − mean_group R in place of R when
    ``baseline="group_mean"`` (the paper's variant for group sampling; "none" is plain
    REINFORCE++), then A = (G − mean_batch G) / (std_batch G + eps) over the samples of
    ``level``. ``outcome`` places R among the turn rewards (see ``returns``; with "ignore"
    R is not used, nor its baseline). Errored trajectories get 0.
    """
    check_choice("level", level, ("token", "turn"))
    check_choice("baseline", baseline, ("none", "group_mean"))
    check_choice("outcome", outcome, OUTCOME_MODES)
    batch = TurnBatch.of(trajectories)
    rewards = reward_matrix(batch, outcome)
    if baseline == "group_mean" and outcome != "ignore":
        mean_r, _, _ = group_stats(batch.outcomes(), batch.group, batch.n_groups)
        rows, cols = batch.last_turn()
        rewards[rows, cols] -= mean_r[batch.group[rows]]
    counts = batch.token_counts if level == "token" else None
    flat_kl = None
    if kl_coef != 0.0 and counts is not None:
        flat_kl = batch.token_info("token_kl", "reinforce++", KL_HINT)
        turn_kl = np.bincount(batch.token_turn, weights=flat_kl, minlength=batch.n_turns)
        rewards -= kl_coef * batch.matrix(turn_kl)
    elif kl_coef != 0.0:
        rewards -= kl_coef * batch.info_matrix("kl", "reinforce++", KL_HINT)
    returns = discounted_returns_matrix(rewards, gamma)[batch.mask]  # G_k, row-major
    weights = None if counts is None else counts.astype(float)
    if returns.size and weights is not None and not weights.sum():
        raise ValueError("reinforce++ level='token' weighs turns by their action tokens, but no "
                         "turn has action_ids; use level='turn' for turns without token ids")
    if flat_kl is None:  # one value per turn (with "token": each weighed by its tokens)
        mean, std = pooled_stats(returns, weights)
        return batch.scatter(batch.matrix((returns - mean) / (std + eps)))
    before = np.cumsum(flat_kl) - flat_kl  # Σ of the KLs before each token, batch-wide
    before_in_turn = before - before[batch.first_token[batch.token_turn]]
    per_token = returns[batch.token_turn] + kl_coef * before_in_turn  # G_{k,j}
    mean, std = pooled_stats(per_token)
    # a turn without action tokens trains nothing: it shows its turn's value, G_k normalised
    return batch.scatter_flat(batch.split_tokens((per_token - mean) / (std + eps),
                                                 (returns - mean) / (std + eps)))
