"""SPA-RL step rewards: learned progress contributions plus a grounding bonus.

Wang et al. 2025, "SPA-RL: Reinforcing LLM Agents via Stepwise Progress Attribution"
(arXiv 2505.20732). Every iteration, on the batch's non-errored trajectories:

1. features h_t = the policy's final hidden state at the last token of turn t's
   prompt + action (``hidden_features``; frozen backbone — see ``progress_model``);
2. the progress estimator is trained for ``epochs`` steps on MSE(Σ_t c_t, R) (the paper's
   progress-estimator objective);
3. each turn gets the paper's fused step reward

       r_t = c_t + g_t,      g_t = grounding · 1[action executable]

   where "executable" is ``turn.info["action_valid"]`` (absent counts as valid).

``turn.reward`` is replaced by r_t and ``turn.info["reward_components"]`` gains
``{"progress": c_t, "grounding": g_t}``. The estimator (head + optimizer) persists in
``context.state["spa"]`` and is checkpointed by the trainer.

Not reproduced from the authors' code (read, not copied): its head reads the vocabulary
logits rather than the hidden state; one data script always gives the last turn the
grounding bonus, whatever the action; a leave-one-out baseline that overwrites c_t and a
(T − t − 1) multiplier on the step score (both in the repository's scripts) are not applied:
the step reward follows the paper, r_t = c_t + g_t.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from agentrl.algos.context import ShapingContext, hidden_features
from agentrl.algos.registry import register_shaping
from agentrl.core.types import Trajectory
from agentrl.policy.multimodal import trajectory_prompt_images
from agentrl.rewards.progress_model import ProgressEstimator

STATE_KEY = "spa"


def spa_step_rewards(
    progress: Sequence[float], valid: Sequence[bool], grounding: float = 0.5
) -> list[float]:
    """r_t = c_t + grounding · 1[valid_t] (SPA-RL's step reward), one value per turn."""
    if len(progress) != len(valid):
        raise ValueError(
            f"spa: {len(progress)} progress values but {len(valid)} validity flags"
        )
    return [c + (grounding if ok else 0.0) for c, ok in zip(progress, valid, strict=True)]


def _estimator(
    context: ShapingContext, input_dim: int, hidden: int | None, lr: float
) -> ProgressEstimator:
    """The estimator in ``context.state``; built (and restored from a checkpoint) once."""
    estimator = context.state.get(STATE_KEY)
    if estimator is None:
        estimator = ProgressEstimator(input_dim, hidden=hidden, lr=lr, seed=context.seed)
        if STATE_KEY in context.restored:
            estimator.load_state_dict(context.restored.pop(STATE_KEY))
        context.state[STATE_KEY] = estimator
    if estimator.input_dim != input_dim:
        raise ValueError(
            f"spa: the progress head expects {estimator.input_dim}-dim features but the "
            f"policy gives {input_dim}; the policy changed under a running estimator"
        )
    return estimator


@register_shaping("spa")
def spa(
    trajectories: list[Trajectory],
    *,
    context: ShapingContext,
    lr: float = 1e-3,
    epochs: int = 5,
    hidden: int | None = None,
    grounding: float = 0.5,
    batch_size: int = 16,
) -> list[Trajectory]:
    """SPA-RL step rewards r_t = c_t + g_t (see the module docstring); returns deep copies.

    ``lr`` / ``hidden`` configure the head when it is first built (``hidden`` None: linear,
    else an MLP); ``epochs`` Adam steps fit it each call; ``batch_size`` chunks the feature
    reads. Errored trajectories come back unchanged.
    """
    shaped = [t.model_copy(deep=True) for t in trajectories]
    active = [t for t in shaped if not t.errored and t.turns]
    if not active:
        return shaped
    sequences = [turn.prompt_ids + turn.action_ids for t in active for turn in t.turns]
    images = [row for t in active for row in trajectory_prompt_images(t)]
    owner = torch.tensor([i for i, t in enumerate(active) for _ in t.turns])
    outcomes = torch.tensor([t.outcome_reward for t in active], dtype=torch.float32)
    features = hidden_features(context.policy, sequences, batch_size, images)
    estimator = _estimator(context, features.shape[1], hidden, lr)
    estimator.fit(features, owner, outcomes, epochs=epochs)
    progress = estimator.contributions(features).tolist()
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
    return shaped
