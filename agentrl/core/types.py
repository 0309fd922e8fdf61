"""The episode API's data: tasks, observations, step results, turns and trajectories.

Every object is a pydantic v2 model that round-trips through JSON losslessly, so
trajectories can be written to JSONL, shipped between processes and reloaded.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    messages: list[dict[str, Any]] | None = Field(
        default=None,
        description="Chat messages the prompt is made of, verbatim (agent programs: the "
        "messages of the program's call); when set, the runner prompts with exactly these.",
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
    policy_version: int = Field(
        default=0, ge=0,
        description="Version of the policy that sampled this turn: the number of updates the "
        "trainer had made when it was sampled (0: the initial weights). A turn whose "
        "generation went on under newer weights keeps the version it started with (its "
        "oldest token's); token_versions has each token's.",
    )
    token_versions: list[int] | None = Field(
        default=None, description="Policy version of each action token, when the turn's "
        "generation was resumed under new weights mid-way (asynchronous training with the "
        "vllm backend); None: every token is policy_version's.",
    )


class GroupKey(_Model):
    """The identity of a group: the G rollouts of one task drawn for one batch.

    ``repetition`` tells apart groups of the same task in the same batch (a task list that
    cycles through few tasks draws a task more than once; each draw is its own group).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_id: str = Field(description="Task.id of every member.")
    repetition: int = Field(
        default=0, ge=0, description="Which draw of this task in the batch's task list (0, 1, …)."
    )
    scope: str = Field(
        default="", description="The batch the group was drawn for, e.g. 'it3/' or 'eval/'."
    )

    @property
    def group_id(self) -> str:
        """The string the estimators group by: ``scope + task_id``, with ``#repetition``
        appended for a repeated draw (so a batch without repeats keeps its old ids)."""
        suffix = f"#{self.repetition}" if self.repetition else ""
        return f"{self.scope}{self.task_id}{suffix}"

    @classmethod
    def for_tasks(cls, tasks: Sequence[Task], scope: str = "") -> list[GroupKey]:
        """One key per entry of a batch's task list; a task's n-th draw gets repetition n."""
        seen: dict[str, int] = {}
        keys = []
        for task in tasks:
            keys.append(cls(task_id=task.id, repetition=seen.get(task.id, 0), scope=scope))
            seen[task.id] = seen.get(task.id, 0) + 1
        return keys


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
    group: GroupKey | None = Field(
        default=None,
        description="The group this episode belongs to (set by the runner); None in files "
        "written before groups had an identity, and in hand-built trajectories.",
    )
    group_id: str = Field(
        default="",
        description="Rollouts of one group share it; derived from `group` when that is set.",
    )
    member: int | None = Field(
        default=None, ge=0,
        description="Which of its group's G rollouts this is (0 .. G-1; set by the runner); "
        "None in files written before, and in hand-built trajectories.",
    )
    started_at: float = Field(default_factory=time.time)
    wall_time_s: float = Field(default=0.0)
    final_observation: Observation | None = Field(
        default=None, description="Observation after the last step."
    )

    @model_validator(mode="after")
    def _derive_group_id(self) -> Trajectory:
        if self.group is None:
            return self
        if self.group.task_id != self.task.id:
            raise ValueError(f"Trajectory.group.task_id {self.group.task_id!r} is not the "
                             f"trajectory's task id {self.task.id!r}")
        if self.group_id and self.group_id != self.group.group_id:
            raise ValueError(f"Trajectory.group_id {self.group_id!r} disagrees with its group "
                             f"{self.group!r} (whose id is {self.group.group_id!r})")
        self.group_id = self.group.group_id
        return self

    @property
    def total_reward(self) -> float:
        """Sum of the per-turn rewards."""
        return sum(turn.reward for turn in self.turns)

    @property
    def oldest_policy_version(self) -> int | None:
        """The smallest `Turn.policy_version` of the episode (its staleness); None if no turn."""
        return min((turn.policy_version for turn in self.turns), default=None)


def group_members(
    trajectories: Iterable[Trajectory], order: Sequence[str] = ()
) -> dict[str, list[Trajectory]]:
    """Trajectories grouped by identity (``group_id``), never by position: ``order``'s ids
    first, in that order, then any others in order of first appearance; within a group,
    members keep their order. An id of ``order`` with no member maps to an empty list."""
    groups: dict[str, list[Trajectory]] = {group_id: [] for group_id in order}
    for trajectory in trajectories:
        groups.setdefault(trajectory.group_id, []).append(trajectory)
    return groups
