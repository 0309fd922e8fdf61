"""The rollout's option model (the recipe's ``rollout`` section): torch-free, so the recipe
schema loads without the runner's policy imports."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from agentrl.policy.base import SamplingParams
from agentrl.rollout.dynamic_sampling import DynamicSamplingOptions
from agentrl.rollout.env_workers import EnvWorkerOptions
from agentrl.rollout.prompts import PromptOptions


class RolloutOptions(EnvWorkerOptions):
    """How episodes are collected (and, from `EnvWorkerOptions`, where envs run)."""

    model_config = ConfigDict(extra="forbid")

    group_size: int = Field(default=4, ge=1, description="Rollouts per task (G); one group.")
    max_turns: int | None = Field(
        default=None, ge=1, description="Turn limit; the env's spec.max_turns when unset."
    )
    sampling: SamplingParams = Field(default_factory=SamplingParams)
    prompt: PromptOptions = Field(default_factory=PromptOptions)
    lenient_parsing: bool = Field(
        default=False, description="Accept a reply without <action> tags as its first line."
    )
    step_timeout_s: float = Field(default=60.0, gt=0, description="Per env call limit.")
    episode_timeout_s: float = Field(default=900.0, gt=0, description="Per episode limit.")
    workers: int = Field(default=16, ge=1, description="Threads stepping envs in parallel "
                         "(with processes or Ray actors: env calls in flight at once).")
    dynamic_sampling: DynamicSamplingOptions = Field(
        default_factory=DynamicSamplingOptions,
        description="Resample groups with all-equal outcomes (`agentrl.rollout.dynamic_sampling`).",
    )
