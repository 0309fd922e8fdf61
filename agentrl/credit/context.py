"""What model-dependent credit stages receive, and the model reads they share.

``ShapingContext`` is handed by the trainer to every shaping whose signature has a
``context`` parameter (SPA's progress estimator, IGPO's information gain). Helpers shared
by those shapings and the PPO critic: ``hidden_features`` (batched, frozen final-layer
features of the policy), ``action_token_features`` (the same before every action token) and
``scalar_head`` (the small trainable head put on top of them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn


@dataclass
class ShapingContext:
    """The trainer's view handed to model-dependent shapings.

    Every value of ``state`` that has ``state_dict()`` / ``load_state_dict()`` is
    checkpointed by the trainer under its key, so trainable things (SPA's progress
    estimator) live there and survive a resume.
    """

    policy: Any
    """The current policy (an ``agentrl.policy.hf.HFPolicy``)."""
    state: dict[str, Any] = field(default_factory=dict)
    """Persists across iterations; checkpointed value by value."""
    iteration: int = 0
    """Training iteration, from 0."""
    progress: float = 0.0
    """Fraction of training done, in [0, 1]."""
    seed: int = 0
    """The run's seed; stages derive their own generators from it."""
    restored: dict[str, Any] = field(default_factory=dict)
    """State dicts read from a checkpoint for ``state`` entries not built yet; a stage that
    builds its entry of ``state`` loads ``restored[key]`` when present (resume)."""


def hidden_features(
    policy: Any, sequences: list[list[int]], batch_size: int = 16,
    images: list[list[str]] | None = None,
) -> torch.Tensor:
    """Final-layer hidden state at the last token of each sequence, [N, H], no gradient.

    Calls ``policy.tail_hidden`` on chunks of ``batch_size`` sequences; the features are
    detached (frozen backbone), so heads trained on them never touch the policy.
    ``images[i]``: the base64 images of sequence i's image tokens (vision-language models).
    """
    if not sequences:
        raise ValueError("hidden_features: no sequences given")
    empty = [i for i, sequence in enumerate(sequences) if not sequence]
    if empty:
        raise ValueError(
            f"hidden_features: sequences {empty[:5]} are empty; every turn needs prompt_ids "
            "(the rollout runner records them)"
        )
    return _tail_features(policy, sequences, [1] * len(sequences), batch_size, images)


def action_token_features(
    policy: Any, prompts: list[list[int]], actions: list[list[int]], batch_size: int = 16,
    images: list[list[str]] | None = None,
) -> torch.Tensor:
    """Final-layer hidden state of every state s_{t,j} before action token j, [Σ|a_t|, H].

    s_{t,j} = prompt_t + a_t[:j], so the states of turn t are the last |a_t| positions of
    prompt_t + a_t[:-1]; rows in turn order, tokens in order. No gradient, eval mode and
    ``images`` as ``hidden_features``.
    """
    if not prompts:
        raise ValueError("action_token_features: no turns given")
    sequences = [prompt + action[:-1] for prompt, action in zip(prompts, actions, strict=True)]
    return _tail_features(policy, sequences, [len(action) for action in actions], batch_size,
                          images)


def _tail_features(policy: Any, sequences: list[list[int]], counts: list[int],
                   batch_size: int, images: list[list[str]] | None = None) -> torch.Tensor:
    """The hidden states at the last ``counts[i]`` tokens of each sequence, concatenated,
    detached, read in eval mode (no dropout) in chunks of ``batch_size`` sequences."""
    was_training = policy.model.training
    policy.model.eval()
    try:
        rows = [
            state.detach().float().cpu()
            for start in range(0, len(sequences), batch_size)
            for state in policy.tail_hidden(
                sequences[start : start + batch_size], counts[start : start + batch_size],
                images[start : start + batch_size] if images else None)
        ]
    finally:
        policy.model.train(was_training)
    return torch.cat(rows)


def scalar_head(input_dim: int, hidden: int | None = None) -> nn.Module:
    """A linear map to one scalar, or a one-hidden-layer MLP (Tanh) when ``hidden`` is set.

    The output layer starts at zero, so a fresh head predicts 0 for every input.
    """
    if hidden is None:
        head: nn.Module = nn.Linear(input_dim, 1)
        output = head
    else:
        output = nn.Linear(hidden, 1)
        head = nn.Sequential(nn.Linear(input_dim, hidden), nn.Tanh(), output)
    nn.init.zeros_(output.weight)
    nn.init.zeros_(output.bias)
    return head
