"""G-RA gated reward accumulation, and the ungated direct-accumulation baseline (D-RA).

Sun et al. 2025, "Stabilizing Long-term Multi-turn Reinforcement Learning with Gated
Rewards" (arXiv 2508.10548v1). What was read: the abstract ("accumulates immediate rewards
only when high-level (long-term) rewards meet a predefined threshold") and secondary
renderings of its method section; the paper's own method section is not in the reference
corpus (its arXiv HTML stops after the introduction) and no code of the authors' was found,
so its equation numbers and its value of Δ are not cited. The renderings agree on:

    r̃_t = r^low(s_t, a_t)   if r^high(s_T, a_T) ≥ Δ,   else 0          (t = 0 … T−1)
    R(τ) = r^high(s_T, a_T) + Σ_{t=0}^{T−1} r̃_t                        (G-RA)
    R(τ) = r^high(s_T, a_T) + Σ_{t=0}^{T−1} r^low(s_t, a_t)             (D-RA, ``ungated``)

with r^high a discrete outcome level in the SWE setting (no submission < empty patch <
tests fail < tests pass; ``environments/swe/reward.py``) and r^low the immediate step
rewards. Multi-level form: reward channels in priority order below r^high, each with a
threshold; a lower-priority channel accumulates only when every higher-priority one meets
its threshold. "Meets its threshold" for a step-level channel j is read here as its episode
sum S_j = Σ_t r^j_t ≥ Δ_j (an assumption: the renderings do not say how a dense channel is
compared with its threshold).

r^high is ``outcome_reward`` (or a named entry of the last turn's reward_components);
r^low_t is ``turn.reward`` or the sum of named ``turn.info["reward_components"]`` entries.
Where R goes (``into``):
- ``"outcome"`` (default): ``outcome_reward`` becomes R(τ) and r^low_t leaves
  ``turn.reward``, so every estimator sees the episode return R — the outcome-level ones
  (grpo, rloo, salt) normalise it, return-based ones (outcome "add") carry it from the
  last turn;
- ``"turn"`` (agentrl's earlier default, a deviation): r̃_t stays on turn t
  (turn.reward − r^low_t + r̃_t) and ``outcome_reward`` stays r^high, so a return-based
  estimator sees r̃_t at the step that earned it. Outcome-level estimators read only
  ``outcome_reward`` and so never see r̃ under this option.
Nothing is counted twice either way. Each turn records
``reward_components["gated/low"] = r^low_t`` and ``["gated/kept"] = r̃_t``.
Δ defaults to 1.0 (the paper's value was not read): on outcomes in [0, 1] the gate opens
on success only.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from agentrl.core.types import Trajectory, Turn
from agentrl.credit.registry import register_shaping


def _components(turn: Turn) -> dict[str, Any]:
    return dict(turn.info.get("reward_components") or {})


def low_reward(turn: Turn, components: Sequence[str] | None) -> float:
    """r^low_t: ``turn.reward`` when ``components`` is None, else the named entries' sum."""
    if components is None:
        return turn.reward
    found = _components(turn)
    missing = [name for name in components if name not in found]
    if missing:
        raise KeyError(
            f"gated: reward_components {missing} not found on a turn (it has "
            f"{sorted(found)}); name components the env or an earlier shaping writes"
        )
    return float(sum(found[name] for name in components))


def high_reward(trajectory: Trajectory, high_component: str | None) -> float:
    """r^high: ``outcome_reward``, or the last turn's reward component ``high_component``."""
    if high_component is None:
        return trajectory.outcome_reward
    last = _components(trajectory.turns[-1]) if trajectory.turns else {}
    if high_component not in last:
        raise KeyError(
            f"gated: high_component={high_component!r} is not in the last turn's "
            f"reward_components ({sorted(last)}) of task {trajectory.task.id!r}"
        )
    return float(last[high_component])


def _shape(trajectory: Trajectory, levels: list[dict[str, Any]], threshold: float,
           high_component: str | None, into: str, gate: bool) -> Trajectory:
    shaped = trajectory.model_copy(deep=True)
    r_high = high_reward(shaped, high_component)
    low = [[low_reward(turn, level.get("components")) for turn in shaped.turns]
           for level in levels]
    open_ = (r_high >= threshold) or not gate
    kept_by_level = []
    for k, level in enumerate(levels):
        kept_by_level.append([r if open_ else 0.0 for r in low[k]])
        if k + 1 < len(levels) and gate:
            open_ = open_ and sum(low[k]) >= float(level["threshold"])
    for t, turn in enumerate(shaped.turns):
        r_low = sum(row[t] for row in low)
        r_kept = sum(row[t] for row in kept_by_level)
        turn.reward += (r_kept if into == "turn" else 0.0) - r_low
        turn.info["reward_components"] = {
            **_components(turn), "gated/low": r_low, "gated/kept": r_kept,
        }
    if into == "outcome":
        shaped.outcome_reward = r_high + sum(sum(row) for row in kept_by_level)
    return shaped


def _levels(components: Sequence[str] | None, levels: list[dict[str, Any]] | None):
    if levels is None:
        return [{"components": components}]
    for k, level in enumerate(levels):
        unknown = set(level) - {"components", "threshold"}
        if unknown or (k + 1 < len(levels) and "threshold" not in level):
            raise ValueError(
                f"gated: levels[{k}]={level!r}; each level is a dict with 'components' "
                "(list of names, or None for turn.reward) and 'threshold' (needed on all "
                "but the last level)"
            )
    return levels


def _run(trajectories: list[Trajectory], threshold: float, components, levels,
         high_component, into: str, gate: bool) -> list[Trajectory]:
    if into not in ("turn", "outcome"):
        raise ValueError(f"into={into!r} is not allowed; choose one of: outcome, turn")
    resolved = _levels(components, levels)
    return [_shape(t, resolved, threshold, high_component, into, gate) for t in trajectories]


@register_shaping("gated")
def gated(
    trajectories: list[Trajectory],
    *,
    threshold: float = 1.0,
    components: Sequence[str] | None = None,
    levels: list[dict[str, Any]] | None = None,
    high_component: str | None = None,
    into: Literal["outcome", "turn"] = "outcome",
) -> list[Trajectory]:
    """G-RA: r̃_t = r^low_t · 1[r^high ≥ Δ] (Δ = ``threshold``), R(τ) = r^high + Σ_t r̃_t.

    ``levels`` (priority order, below r^high) gives the multi-level form; otherwise one level
    made of ``components`` (None: ``turn.reward``). Returns deep copies.
    """
    return _run(trajectories, threshold, components, levels, high_component, into, True)


@register_shaping("ungated")
def ungated(
    trajectories: list[Trajectory],
    *,
    components: Sequence[str] | None = None,
    levels: list[dict[str, Any]] | None = None,
    high_component: str | None = None,
    into: Literal["outcome", "turn"] = "outcome",
) -> list[Trajectory]:
    """D-RA, direct accumulation R(τ) = r^high + Σ_t r^low_t (G-RA's ungated baseline)."""
    return _run(trajectories, 0.0, components, levels, high_component, into, False)
