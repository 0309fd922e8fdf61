"""Trajectories → per-turn training samples (one sample per agent turn)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from agentrl.core.types import Trajectory
from agentrl.policy.multimodal import trajectory_prompt_images


@dataclass(frozen=True)
class TurnSample:
    """The exact tokens a turn was sampled with, and the credit assigned to it."""

    prompt_ids: list[int]
    action_ids: list[int]
    old_logprobs: list[float]
    advantage: float | list[float]  # one per action token when the estimator gives tokens
    turn_index: int
    trajectory_index: int
    trainer_logprobs: list[float] | None = None  # π_old by the trainer's model (rollout correction)
    images: tuple[str, ...] = ()  # base64 images of the prompt's image tokens (VLMs)


def turn_samples(
    trajectories: list[Trajectory], advantages: list[list[float | list[float]]]
) -> list[TurnSample]:
    """One sample per turn with tokens; errored trajectories contribute nothing.

    The prompt and action ids are exactly those of the rollout (no re-tokenisation), and
    so are the prompt's images (``Turn.prompt_images``, found in the trajectory), so the
    trainer scores the very tokens that were sampled.
    """
    samples = []
    for index, (trajectory, per_turn) in enumerate(zip(trajectories, advantages, strict=True)):
        if trajectory.errored:
            continue
        images = trajectory_prompt_images(trajectory)
        for turn_index, (turn, advantage) in enumerate(
            zip(trajectory.turns, per_turn, strict=True)
        ):
            if not turn.action_ids:
                continue
            samples.append(
                TurnSample(
                    prompt_ids=turn.prompt_ids,
                    action_ids=turn.action_ids,
                    old_logprobs=turn.action_logprobs,
                    advantage=advantage,
                    turn_index=turn_index,
                    trajectory_index=index,
                    images=tuple(images[turn_index]),
                )
            )
    return samples


def right_aligned(rows: list[list[float]], width: int) -> torch.Tensor:
    """[B, width] of per-token values, right-aligned as the trainer scores action tokens."""
    matrix = torch.zeros(len(rows), width)
    for row, values in enumerate(rows):
        if values:
            matrix[row, width - len(values) :] = torch.tensor(values, dtype=matrix.dtype)
    return matrix


def advantage_matrix(samples: list[TurnSample], width: int) -> torch.Tensor:
    """[B, width] per-token advantages, right-aligned as the trainer scores action tokens:
    a turn's float on each of its action tokens, or its per-token list; 0 on padding."""
    advantages = torch.zeros(len(samples), width)
    for row, sample in enumerate(samples):
        if sample.action_ids:
            advantages[row, width - len(sample.action_ids) :] = torch.as_tensor(
                sample.advantage, dtype=advantages.dtype)
    return advantages
