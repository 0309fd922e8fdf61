"""Format / validity shaping: a fixed penalty for every invalid action.

As in verl-agent's GiGPO scripts (``invalid_action_penalty_coef = 0.1``): each turn whose
``info["action_valid"]`` is False costs ``coef``. A turn without the key counts as valid.
``into="turn"`` (default) subtracts the penalty from that turn's ``reward`` (seen by the
return-based estimators); ``into="outcome"`` subtracts coef × (number of invalid turns) from
``outcome_reward`` instead (seen by grpo, rloo, salt). Each turn records
``reward_components["format_penalty"]`` (−coef or 0.0).
"""

from __future__ import annotations

from typing import Literal

from agentrl.core.types import Trajectory
from agentrl.credit.registry import register_shaping


@register_shaping("format")
def format_penalty(
    trajectories: list[Trajectory],
    *,
    coef: float = 0.1,
    into: Literal["turn", "outcome"] = "turn",
) -> list[Trajectory]:
    """r_t ← r_t − coef · 1[action_valid is False] (or on R with ``into="outcome"``)."""
    if into not in ("turn", "outcome"):
        raise ValueError(f"into={into!r} is not allowed; choose one of: turn, outcome")
    shaped_all = []
    for trajectory in trajectories:
        shaped = trajectory.model_copy(deep=True)
        for turn in shaped.turns:
            penalty = coef if turn.info.get("action_valid") is False else 0.0
            if into == "turn":
                turn.reward -= penalty
            else:
                shaped.outcome_reward -= penalty
            components = dict(turn.info.get("reward_components") or {})
            turn.info["reward_components"] = {**components, "format_penalty": 0.0 - penalty}
        shaped_all.append(shaped)
    return shaped_all
