"""SPA-RL step rewards: learned progress contributions plus a grounding bonus.

Wang et al. 2025, "SPA-RL: Reinforcing LLM Agents via Stepwise Progress Attribution"
(arXiv 2505.20732; code WangHanLinHenry/SPA-RL-Agent @ ed20087, ``exploration/``, ``prm/``,
``ppo/``). The paper's pipeline, the default (``fit="offline"``):

1. exploration, once, before RL: the SFT (warm-started) policy rolls out on the train tasks
   (the code: 10 episodes per task at temperature 1) — `agentrl.rewards.spa_explore`, run by
   ``agentrl train`` after the warm start because this shaping declares it
   (``spa.before_training``);
2. the progress estimator is fitted on those episodes, on MSE(Σ_t c_t, R), then frozen and
   saved with the run (``<run>/spa/``, and in every checkpoint);
3. during RL each turn of every batch gets the paper's fused step reward

       r_t = c_t + g_t,      g_t = grounding · 1[action executable]   (grounding = 0.5)

   where c_t is the frozen estimator's contribution and "executable" is
   ``turn.info["action_valid"]`` (absent counts as valid; the code tests that the next
   observation is not "Nothing happens").

``fit="online"`` (a deviation, offered as an option): no exploration phase; every batch
refits the estimator (``epochs`` full-batch Adam steps) and then labels that same batch.

``turn.reward`` is replaced by r_t and ``turn.info["reward_components"]`` gains
``{"progress": c_t, "grounding": g_t}``. The shaped trajectories declare
``step_rewards_include_outcome`` (Σ_t c_t is fitted to R), so an estimator's
``outcome="auto"`` does not add R again: ``advantage: gae`` after this shaping is the paper's
PPO setup.

Not reproduced from the authors' code (read, not copied): its head reads the vocabulary
logits rather than the hidden state; one data script always gives the last turn the
grounding bonus, whatever the action; a leave-one-out baseline that overwrites c_t and a
(T − t − 1) multiplier on the step score (both in the repository's scripts) are not applied:
the step reward follows the paper, r_t = c_t + g_t.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from agentrl.core.types import Trajectory
from agentrl.credit.advantages.returns import check_choice
from agentrl.credit.context import ShapingContext
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_shaping
from agentrl.rewards import spa_explore
from agentrl.rewards.progress_model import STATE_KEY, ProgressEstimator, turn_features

FITS = ("offline", "online")


def spa_step_rewards(
    progress: Sequence[float], valid: Sequence[bool], grounding: float = 0.5
) -> list[float]:
    """r_t = c_t + grounding · 1[valid_t] (SPA-RL's step reward), one value per turn."""
    if len(progress) != len(valid):
        raise ValueError(
            f"spa: {len(progress)} progress values but {len(valid)} validity flags"
        )
    return [c + (grounding if ok else 0.0) for c, ok in zip(progress, valid, strict=True)]


def _online_estimator(
    context: ShapingContext, input_dim: int, hidden: int | None, lr: float
) -> ProgressEstimator:
    """The online estimator in ``context.state``; built (or restored from a checkpoint) once."""
    estimator = context.state.get(STATE_KEY)
    if estimator is None:
        estimator = ProgressEstimator(input_dim, hidden=hidden, lr=lr, seed=context.seed)
        if STATE_KEY in context.restored:
            estimator.load_state_dict(context.restored.pop(STATE_KEY))
        context.state[STATE_KEY] = estimator
    return estimator


def _frozen_estimator(context: ShapingContext) -> ProgressEstimator:
    """The estimator the exploration phase fitted (or a checkpoint restored); never refit."""
    if STATE_KEY not in context.state and STATE_KEY in context.restored:
        context.state[STATE_KEY] = ProgressEstimator.from_state_dict(
            context.restored.pop(STATE_KEY))
    if STATE_KEY not in context.state:
        raise ValueError(
            "spa: fit='offline' (the paper's pipeline) labels with the progress estimator "
            "fitted once on the warm-started policy's exploration, but none was fitted; "
            "`agentrl train` runs that phase (its Needs.before_training), outside it call "
            "agentrl.rewards.spa_explore.explore_and_fit first, or set fit: online"
        )
    return context.state[STATE_KEY]


# the paper's exploration and fit run once before RL (fit="online" makes the hook a no-op)
@register_shaping("spa", needs=Needs(hidden_states=True, step_rewards=True,
                                     before_training=spa_explore.prepare))
def spa(
    trajectories: list[Trajectory],
    *,
    context: ShapingContext,
    fit: Literal["offline", "online"] = "offline",
    lr: float = 1e-3,
    epochs: int = 5,
    hidden: int | None = None,
    grounding: float = 0.5,
    batch_size: int = 16,
    explore: dict[str, Any] | None = None,
) -> list[Trajectory]:
    """SPA-RL step rewards r_t = c_t + g_t (see the module docstring); returns deep copies.

    ``fit``: "offline" labels with the estimator fitted once before RL (the paper), "online"
    refits it on each batch first (``epochs`` full-batch Adam steps). ``lr`` / ``hidden``
    configure the head when it is built (``hidden`` None: linear, else an MLP);
    ``batch_size`` chunks the feature reads; ``explore``: the exploration phase's options
    (`agentrl.rewards.spa_explore.ExploreOptions`, offline only). Errored trajectories come
    back unchanged.
    """
    check_choice("fit", fit, FITS)
    spa_explore.check_explore_options(fit, explore)
    shaped = [t.model_copy(deep=True) for t in trajectories]
    active = [t for t in shaped if not t.errored and t.turns]
    if not active:
        return shaped
    features, owner, outcomes = turn_features(context.policy, active, batch_size)
    if fit == "online":
        estimator = _online_estimator(context, features.shape[1], hidden, lr)
        estimator.fit(features, owner, outcomes, epochs=epochs)
    else:
        estimator = _frozen_estimator(context)
    if estimator.input_dim != features.shape[1]:
        raise ValueError(
            f"spa: the progress head expects {estimator.input_dim}-dim features but the "
            f"policy gives {features.shape[1]}; the policy changed under a fitted estimator"
        )
    _label(active, estimator.contributions(features).tolist(), grounding)
    return shaped


def _label(active: list[Trajectory], progress: list[float], grounding: float) -> None:
    """Write r_t = c_t + g_t and its components into the turns of ``active``."""
    start = 0
    for trajectory in active:
        c = progress[start : start + len(trajectory.turns)]
        start += len(trajectory.turns)
        valid = [bool(turn.info.get("action_valid", True)) for turn in trajectory.turns]
        for turn, c_t, r_t, ok in zip(
            trajectory.turns, c, spa_step_rewards(c, valid, grounding), valid, strict=True
        ):
            turn.reward = r_t
            turn.info["reward_components"] = {
                **(turn.info.get("reward_components") or {}),
                "progress": c_t,
                "grounding": grounding if ok else 0.0,
            }
        trajectory.step_rewards_include_outcome = True  # Σ_t c_t is fitted to R

