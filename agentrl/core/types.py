"""The episode API's data: tasks, observations, step results, turns and trajectories.

Every object is a pydantic v2 model that round-trips through JSON losslessly, so
trajectories can be written to JSONL, shipped between processes and reloaded.
"""

from __future__ import annotations

import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

STANDARD_SPLITS = ("train", "valid", "heldout")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Task(_Model):
    """One problem an agent can be put in front of."""

    id: str = Field(description="Unique id of the task within its env.")
    env_id: str = Field(description="Registered id of the env this task belongs to.")
    split: str = Field(
        default="train",
        description="'train', 'valid', 'heldout', or an env-specific split such as 'valid_unseen'.",
    )
    instruction: str = Field(default="", description="What the agent is asked to do.")
    ground_truth: str | None = Field(
        default=None, description="The answer, when known (IGPO, exact-match rewards)."
    )
    metadata: dict[str, Any] = Field(
        default_factory=dict, description="Env-specific data needed to rebuild the task."
    )


class Observation(_Model):
    """What the agent sees after a reset or a step."""

    text: str = Field(description="The observation as text.")
    images: list[str] = Field(
        default_factory=list, description="Screenshots as base64 PNG strings (GUI envs)."
    )
    available_actions: list[str] | None = Field(
        default=None, description="Admissible commands, when the env knows them."
    )
    tools: list[dict[str, Any]] | None = Field(
        default=None, description="JSON tool specs, for tool-calling envs."
    )
    state_key: str = Field(
        description=(
            "Canonical digest of the env state as the agent can know it. Equal keys mean "
            "the same situation (GiGPO anchor states, SALT graph nodes)."
        )
    )


class StepResult(_Model):
    """The outcome of one `Env.step`."""

    observation: Observation
    reward: float = Field(default=0.0, description="Immediate reward of this step.")
    terminated: bool = Field(default=False, description="The episode ended (win or loss).")
    truncated: bool = Field(default=False, description="The episode was cut (turn limit).")
    info: dict[str, Any] = Field(
        default_factory=dict,
        description="Standard keys: 'success', 'action_valid', 'reward_components'.",
    )


class EnvSpec(_Model):
    """Static facts about an env."""

    id: str = Field(description="Registered id, e.g. 'textworld'.")
    max_turns: int = Field(default=20, ge=1, description="Turn limit; the env truncates after it.")
    action_format: Literal["text", "tool_call"] = Field(
        default="text", description="How actions are written: free text or tool calls."
    )
    splits: tuple[str, ...] = Field(default=STANDARD_SPLITS, description="Task splits offered.")
    description: str = Field(default="", description="Instructions shown in the system prompt.")
    step_rewards_include_outcome: bool = Field(
        default=False,
        description="True when the env's step rewards already pay the episode's outcome (e.g. "
        "reward 1 on the success step, and info.success / info.outcome_reward say the same): "
        "return-based estimators then do not add outcome_reward to the last turn again. "
        "False: the outcome arrives only as Trajectory.outcome_reward.",
    )


class Turn(_Model):
    """One agent turn: what it saw, what it did, what came back."""

    observation: Observation = Field(description="Observation the action was chosen from.")
    prompt_messages: list[dict[str, Any]] | None = Field(
        default=None, description="Chat messages the prompt was built from."
    )
    prompt_ids: list[int] = Field(default_factory=list, description="Prompt token ids as fed.")
    prompt_images: list[str] = Field(
        default_factory=list,
        description="Digests (agentrl.policy.multimodal.image_digest) of the images the "
        "prompt showed, in the order of their image tokens; each is an image of an "
        "observation of the same trajectory, so screenshots are stored once.",
    )
    action: str = Field(default="", description="The parsed action sent to the env.")
    response: str = Field(default="", description="The raw model reply the action came from.")
    action_ids: list[int] = Field(default_factory=list, description="Sampled token ids.")
    action_logprobs: list[float] = Field(
        default_factory=list, description="Log-probs of action_ids under the rollout policy."
    )
    reward: float = Field(default=0.0, description="Immediate reward (after shaping).")
    info: dict[str, Any] = Field(default_factory=dict, description="StepResult.info of the step.")
    state_key: str = Field(default="", description="state_key of `observation`.")
    advantage: float | None = Field(default=None, description="Set by the trainer, for inspect.")


class Trajectory(_Model):
    """One episode of one task."""

    task: Task
    turns: list[Turn] = Field(default_factory=list)
    outcome_reward: float = Field(default=0.0, description="Episode-level reward R.")
    step_rewards_include_outcome: bool = Field(
        default=False,
        description="Copied by the runner from EnvSpec.step_rewards_include_outcome: the turn "
        "rewards already count R, so estimators' outcome='auto' does not add it again.",
    )
    success: bool = Field(default=False)
    errored: bool = Field(
        default=False, description="The env or policy failed; excluded from the loss."
    )
    error: str | None = Field(default=None, description="What failed, when errored.")
    truncated: bool = Field(default=False, description="Ended by the turn limit.")
    group_id: str = Field(default="", description="Rollouts of the same task share a group_id.")
    started_at: float = Field(default_factory=time.time)
    wall_time_s: float = Field(default=0.0)
    final_observation: Observation | None = Field(
        default=None, description="Observation after the last step."
    )

    @property
    def total_reward(self) -> float:
        """Sum of the per-turn rewards."""
        return sum(turn.reward for turn in self.turns)
