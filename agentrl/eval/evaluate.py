"""Held-out evaluation: run the policy on a split and summarise it — success with a Wilson
CI, pass@k, mean reward (and WebShop's score), overall and per task category."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from pydantic import BaseModel, Field

from agentrl.core.env import Env
from agentrl.core.types import Task, Trajectory
from agentrl.eval.metrics import mean_pass_at_k, wilson_interval
from agentrl.policy.base import Policy
from agentrl.rollout.runner import RolloutOptions, RolloutRunner


def category_of(task: Task) -> str | None:
    """The task's category (``Task.metadata["category"]``: ALFWorld's task type, WebShop's
    product category, TextWorld's difficulty, SWE's project), or None."""
    category = task.metadata.get("category")
    return None if category is None else str(category)


class EvalStats(BaseModel):
    """Success, its CI, pass@k and reward over a set of episodes (a split or a category)."""

    episodes: int
    successes: int
    success_rate: float
    ci_low: float = Field(description="95 % Wilson interval, lower bound.")
    ci_high: float = Field(description="95 % Wilson interval, upper bound.")
    mean_reward: float
    score: float = Field(description="100 × mean reward (WebShop's 'score').")
    errored: int
    pass_at_k: dict[str, float] = Field(
        default_factory=dict,
        description="k → unbiased pass@k over the tasks' episodes (Chen et al. 2021, eq. 1).",
    )


class EvalResult(EvalStats):
    """Summary of an evaluation: the split's `EvalStats`, per task and per category."""

    split: str
    mean_turns: float
    per_task: dict[str, float] = Field(description="Task id → success rate.")
    outcomes: dict[str, list[bool]] = Field(
        default_factory=dict,
        description="Task id → each episode's success, in order (what `compare` pairs).",
    )
    task_category: dict[str, str] = Field(
        default_factory=dict, description="Task id → category, for tasks that have one."
    )
    per_category: dict[str, EvalStats] = Field(
        default_factory=dict, description="Category → its stats (empty without categories)."
    )


def _stats(trajectories: list[Trajectory], outcomes: dict[str, list[bool]],
           pass_k: Sequence[int]) -> EvalStats:
    successes = sum(t.success and not t.errored for t in trajectories)
    low, high = wilson_interval(successes, len(trajectories))
    count = max(1, len(trajectories))
    mean_reward = sum(t.outcome_reward for t in trajectories) / count
    return EvalStats(
        episodes=len(trajectories), successes=successes, success_rate=successes / count,
        ci_low=low, ci_high=high, mean_reward=mean_reward, score=100 * mean_reward,
        errored=sum(t.errored for t in trajectories),
        pass_at_k={str(k): mean_pass_at_k(outcomes, k) for k in pass_k},
    )


def summarise(split: str, trajectories: list[Trajectory],
              pass_k: Sequence[int] = (1,)) -> EvalResult:
    """Errored episodes count as failures (and are reported). pass@k needs every task to
    have at least k episodes (`ValueError` otherwise)."""
    outcomes: dict[str, list[bool]] = {}
    categories: dict[str, str] = {}
    for t in trajectories:
        outcomes.setdefault(t.task.id, []).append(bool(t.success and not t.errored))
        if (category := category_of(t.task)) is not None:
            categories[t.task.id] = category
    overall = _stats(trajectories, outcomes, pass_k)
    per_category = {}
    for category in sorted(set(categories.values())):
        members = [t for t in trajectories if categories.get(t.task.id) == category]
        member_outcomes = {k: v for k, v in outcomes.items() if categories.get(k) == category}
        per_category[category] = _stats(members, member_outcomes, pass_k)
    return EvalResult(
        **overall.model_dump(),
        split=split,
        mean_turns=sum(len(t.turns) for t in trajectories) / max(1, len(trajectories)),
        per_task={k: sum(v) / len(v) for k, v in outcomes.items()},
        outcomes=outcomes,
        task_category=categories,
        per_category=per_category,
    )


def evaluate(
    policy: Policy,
    make_env: Callable[[], Env],
    tasks: list[Task],
    options: RolloutOptions,
    *,
    split: str,
    episodes_per_task: int = 1,
    pass_k: Sequence[int] = (1,),
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
    return summarise(split, trajectories, pass_k), trajectories
