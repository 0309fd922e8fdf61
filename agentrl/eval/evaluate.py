"""Held-out evaluation: run the policy on a split and summarise success with a CI."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel, Field

from agentrl.core.env import Env
from agentrl.core.types import Task, Trajectory
from agentrl.eval.metrics import wilson_interval
from agentrl.policy.base import Policy
from agentrl.rollout.runner import RolloutOptions, RolloutRunner


class EvalResult(BaseModel):
    """Summary of an evaluation; ``per_task`` maps task id → success rate."""

    split: str
    episodes: int
    successes: int
    success_rate: float
    ci_low: float = Field(description="95 % Wilson interval, lower bound.")
    ci_high: float = Field(description="95 % Wilson interval, upper bound.")
    mean_reward: float
    mean_turns: float
    errored: int
    per_task: dict[str, float]


def summarise(split: str, trajectories: list[Trajectory]) -> EvalResult:
    """Errored episodes count as failures (and are reported)."""
    successes = sum(t.success and not t.errored for t in trajectories)
    low, high = wilson_interval(successes, len(trajectories))
    per_task: dict[str, list[float]] = {}
    for t in trajectories:
        per_task.setdefault(t.task.id, []).append(float(t.success and not t.errored))
    count = max(1, len(trajectories))
    return EvalResult(
        split=split,
        episodes=len(trajectories),
        successes=successes,
        success_rate=successes / count,
        ci_low=low,
        ci_high=high,
        mean_reward=sum(t.outcome_reward for t in trajectories) / count,
        mean_turns=sum(len(t.turns) for t in trajectories) / count,
        errored=sum(t.errored for t in trajectories),
        per_task={k: sum(v) / len(v) for k, v in per_task.items()},
    )


def evaluate(
    policy: Policy,
    make_env: Callable[[], Env],
    tasks: list[Task],
    options: RolloutOptions,
    *,
    split: str,
    episodes_per_task: int = 1,
    seed: int = 0,
    progress: bool = True,
) -> tuple[EvalResult, list[Trajectory]]:
    """Roll the policy out on ``tasks`` (no training) and summarise."""
    runner = RolloutRunner(make_env, policy, options)
    try:
        trajectories = runner.run(
            tasks, group_size=episodes_per_task, seed=seed, group_prefix="eval/",
            progress=progress,
        )
    finally:
        runner.close()
    return summarise(split, trajectories), trajectories
