"""GiGPO: group-in-group policy optimisation — episode- plus anchor-state step advantages.

Feng et al. 2025, "Group-in-Group Policy Optimization for LLM Agent Training"
(arXiv 2505.10978), as implemented in verl-agent's ``gigpo/core_gigpo.py``:
- eq. (3): episode advantage A^E = R_i − mean(group R)  (``mean_norm``), or
  (R_i − mean) / (std + ε)  (``mean_std_norm``; unbiased std, as torch.std);
- eq. (5): step return R_t = r_t + γ R_{t+1} over each trajectory (γ = 0.95), r_t the env's
  step rewards; the outcome R is counted once (``outcome="auto"``): where the env declares
  that its step rewards already pay it (``EnvSpec.step_rewards_include_outcome``, as
  verl-agent's envs do: ALFWorld pays its win on the last step) r_t is used as is, else R
  is added on the last turn. ``outcome="add"`` adds R whatever the env declares (on such an
  env the last turn's return counts R twice: ω = 2 in effect);
- eq. (6): anchor-state groups — the steps of one episode group whose state is identical
  (here: equal ``state_key``; optional fuzzy merge of observation texts);
- eq. (7): step advantage A^S = R_t − mean(step group R_t) (or z-scored);
- eq. (8): A = A^E + ω A^S (ω = 1).
Following the code: episode statistics are taken over all step samples of the group by
default (each trajectory weighted by its length; ``episode_stats="trajectory"`` gives one
value per trajectory); a statistic over a single value uses mean 0 / std 1 for episodes and
mean = the value / std 1 for steps, so a singleton step group gives A^S = 0.

With every anchor group a singleton (no state recurs in a group) A^S = 0 and A = A^E: with
``mode="mean_norm"`` and ``episode_stats="trajectory"`` that is exactly GRPO without the std
(``grpo(normalize_std=False)``, Dr.GRPO); with ``mean_std_norm`` it is GRPO × sqrt((G−1)/G)
(unbiased vs population std; ``tests/credit/test_credit_identities.py``).
"""

from __future__ import annotations

from difflib import SequenceMatcher
from typing import Literal

import numpy as np

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import (
    TurnBatch,
    discounted_returns_matrix,
    group_stats,
    pair_codes,
)
from agentrl.credit.advantages.returns import (
    OUTCOME_MODES,
    OutcomeMode,
    check_choice,
    reward_matrix,
)
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_advantage


def anchor_codes(batch: TurnBatch, similarity_threshold: float | None) -> np.ndarray:
    """Anchor-state group number of every turn, row-major (eq. 6).

    Exact: turns of one episode group with equal ``state_key`` share a number (vectorised
    over the interned keys). With
    ``similarity_threshold``, a turn joins the first anchor group of its episode group whose
    representative observation text has a difflib ratio ≥ the threshold (verl-agent's
    fuzzy variant); this path is pure Python and much slower.
    """
    groups = np.repeat(batch.group, batch.lengths)
    if similarity_threshold is None:
        return pair_codes(groups, batch.codes("state_key"))
    if not 0.0 < similarity_threshold < 1.0:
        raise ValueError(f"similarity_threshold must be in (0, 1), got {similarity_threshold}")
    table: dict[tuple[int, str], int] = {}
    representatives: dict[int, list[tuple[str, int]]] = {}
    codes = []
    for group, turn in zip(groups.tolist(), batch.flat_turns, strict=True):
        text = turn.observation.text
        reps = representatives.setdefault(group, [])
        similar = (c for rep, c in reps
                   if SequenceMatcher(None, text, rep).ratio() >= similarity_threshold)
        code = next(similar, None)
        if code is None:
            code = table.setdefault((group, text), len(table))
            reps.append((text, code))
        codes.append(code)
    return np.asarray(codes, dtype=np.int64)


def episode_advantages(batch: TurnBatch, per_step: bool, use_std: bool,
                       eps: float) -> np.ndarray:
    """A^E per row (eq. 3); statistics over step samples or trajectories, as in the code."""
    rewards = batch.outcomes()
    # per step: each trajectory's R counted once per turn (its length as frequency weight)
    weights = batch.lengths.astype(float) if per_step else None
    mean, std, count = group_stats(rewards, batch.group, batch.n_groups, unbiased=True,
                                   weights=weights)
    mean[count <= 1], std[count <= 1] = 0.0, 1.0
    centred = rewards - mean[batch.group]
    return centred / (std[batch.group] + eps) if use_std else centred


def step_advantages(returns: np.ndarray, codes: np.ndarray, use_std: bool,
                    eps: float) -> np.ndarray:
    """A^S per turn (eq. 7): R_t minus its anchor group's mean (or z-scored); singletons 0."""
    n_codes = int(codes.max()) + 1 if codes.size else 0
    mean, std, count = group_stats(returns, codes, n_codes, unbiased=True)
    std[count <= 1] = 1.0
    centred = returns - mean[codes]
    return centred / (std[codes] + eps) if use_std else centred


@register_advantage("gigpo", needs=Needs(group_size=2, state_key=True))
def gigpo(
    trajectories: list[Trajectory] | TurnBatch,
    *,
    gamma: float = 0.95,
    omega: float = 1.0,
    mode: Literal["mean_norm", "mean_std_norm"] = "mean_norm",
    episode_stats: Literal["step", "trajectory"] = "step",
    similarity_threshold: float | None = None,
    outcome: OutcomeMode = "auto",
    eps: float = 1e-6,
) -> list[list[float]]:
    """A_{i,t} = A^E_i + ω A^S_{i,t} (GiGPO eqs. 3, 5–8; see the module docstring).

    Episode reward R_i = ``outcome_reward``; step rewards r_t per ``outcome`` (``returns``);
    step groups never cross episode groups; errored trajectories get 0 and are left out.
    """
    batch = TurnBatch.of(trajectories)
    return gigpo_with_anchors(batch, anchor_codes(batch, similarity_threshold), gamma=gamma,
                              omega=omega, mode=mode, episode_stats=episode_stats,
                              outcome=outcome, eps=eps)


def gigpo_with_anchors(
    batch: TurnBatch, codes: np.ndarray, *, gamma: float, omega: float, mode: str,
    episode_stats: str, outcome: OutcomeMode, eps: float,
) -> list[list[float]]:
    """A_{i,t} = A^E_i + ω A^S_{i,t} (eqs. 3, 5–8) with the anchor-state group of every turn
    (row-major) given as ``codes``; `gigpo` passes the state_key groups of eq. 6."""
    check_choice("mode", mode, ("mean_norm", "mean_std_norm"))
    check_choice("episode_stats", episode_stats, ("step", "trajectory"))
    check_choice("outcome", outcome, OUTCOME_MODES)
    use_std = mode == "mean_std_norm"
    a_episode = episode_advantages(batch, episode_stats == "step", use_std, eps)
    returns = discounted_returns_matrix(reward_matrix(batch, outcome), gamma)
    advantages = a_episode[:, None] * batch.mask
    advantages[batch.mask] += omega * step_advantages(returns[batch.mask], codes, use_std, eps)
    return batch.scatter(advantages)
