"""The `Policy` protocol (what rollout and training need from a model backend) and the
`Sampler` protocol (what samples rollouts while a trainer trains a separate model)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # annotations only: the recipe schema imports this module without torch
    import torch

Messages = list[dict[str, Any]]


class SamplingParams(BaseModel):
    """How to sample a reply."""

    model_config = ConfigDict(extra="forbid")

    temperature: float = Field(default=1.0, ge=0.0, description="0 means greedy.")
    top_p: float = Field(default=1.0, gt=0.0, le=1.0, description="Nucleus sampling mass.")
    top_k: int = Field(default=0, ge=0, description="0 disables top-k.")
    max_new_tokens: int = Field(default=64, ge=1, description="Reply length limit in tokens.")
    seed: int | None = Field(default=None, description="Seeds the sampler for this call.")


class Generation(BaseModel):
    """One sampled reply."""

    text: str
    prompt_ids: list[int]
    token_ids: list[int]
    logprobs: list[float] = Field(description="log π(token | prefix) at the sampling temperature.")
    finish_reason: str = Field(default="stop", description="'stop', 'length' or 'error'.")
    token_versions: list[int] | None = Field(
        default=None, description="Policy version of each token when the weights changed "
        "during the call (a generation aborted and resumed under new weights); None: one "
        "version sampled every token.",
    )
    error: str | None = Field(
        default=None, description="Why no reply came (a remote backend's failed call); the "
        "rollout runner errors this episode only.",
    )


@dataclass
class TokenScores:
    """Per-token log-probs and entropies of given action tokens, padded to [B, L]."""

    logprobs: torch.Tensor
    entropies: torch.Tensor
    mask: torch.Tensor  # 1.0 on real action tokens, 0.0 on padding


@runtime_checkable
class Policy(Protocol):
    """A model that writes replies to chat messages and scores given replies."""

    def generate(
        self,
        batch: list[Messages],
        sampling: SamplingParams,
        *,
        tools: list[list[dict[str, Any]] | None] | None = None,
    ) -> list[Generation]:
        """Sample one reply per conversation, all in one batched call.

        ``tools`` gives each conversation's tool specs (or None) for the chat template.
        """
        ...

    def score(
        self,
        prompt_ids: list[list[int]],
        action_ids: list[list[int]],
        *,
        temperature: float = 1.0,
        images: list[list[str]] | None = None,
    ) -> TokenScores:
        """Log-probs and entropies of ``action_ids`` after ``prompt_ids`` (differentiable);
        ``images[i]``: the base64 images prompt i's image tokens stand for (VLMs)."""
        ...


@runtime_checkable
class Sampler(Protocol):
    """What the rollout runner samples with (`agentrl.policy.backends` makes one per backend).

    The trainer trains a transformers model; after each update it hands that model to the
    sampler with `sync_weights`, so the next rollout samples from the updated weights. For
    the ``hf`` backend the sampler *is* the trained policy and the hand-off is free.
    """

    def generate(
        self,
        batch: list[Messages],
        sampling: SamplingParams,
        *,
        tools: list[list[dict[str, Any]] | None] | None = None,
    ) -> list[Generation]:
        """Sample one reply per conversation, all in one batched call (see `Policy`)."""
        ...

    def sync_weights(self, model: torch.nn.Module) -> None:
        """Make the sampler sample from ``model``'s current weights (LoRA: merged)."""
        ...

    def release_memory(self) -> None:
        """Free accelerator memory between rollout and update where the backend can (vLLM
        sleep mode); the next `sync_weights` brings the engine back. Otherwise a no-op."""
        ...

    def close(self) -> None:
        """Release the sampler's engine, processes and files (idempotent)."""
        ...
