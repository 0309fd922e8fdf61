"""Scoring rows that share a token prefix: the prefix goes through the model once.

In an update most tokens are prompt, and much of the prompt is common to the rows of a
micro-batch (the system prompt and task text; a GRPO group's whole first prompt). Here the
common prefix runs once, as a [1, P] sequence whose keys / values every layer records; the
rows' own tokens then run as a [B, S] batch whose attention reads those keys / values
broadcast to the B rows (``expand``: no copy of the prefix's compute) after their own.
Autograd sums the rows' gradients into the prefix's keys / values through the broadcast, so
log-probs and gradients equal the plain path's (up to float summation order; tested to
1e-5 in fp32).

Row layout of the second pass: ``[prefix][left padding][own tokens]``, the attention mask
hiding the padding and position ids continuing from P — what each row sees alone.

Activation checkpointing recomputes a layer's forward in the backward pass with the
keyword arguments of the first call; the cache layers here are safe to call twice (the
prefix's records its keys / values again, the rows' returns the concatenation without
storing it), so the decoder layers are allowed to checkpoint with them.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import torch
from transformers import DynamicCache, PreTrainedModel
from transformers.cache_utils import DynamicLayer

MIN_SHARED_TOKENS = 16  # below this the second pass costs more than it saves


class RecordingLayer(DynamicLayer):
    """A cache layer that keeps the last keys / values it was given (called again by a
    recompute, it records the recomputed ones) and returns them unchanged."""

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: object,
               **kwargs: object) -> tuple[torch.Tensor, torch.Tensor]:
        """Record ``key_states`` / ``value_states``; they are the whole attention input."""
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        self.keys, self.values = key_states, value_states
        return key_states, value_states


class BroadcastPrefixLayer(DynamicLayer):
    """A cache layer holding a prefix's keys / values broadcast over the batch; each call
    returns them followed by the new ones and stores nothing (so a recompute is the same)."""

    def __init__(self, keys: torch.Tensor, values: torch.Tensor) -> None:
        super().__init__()
        self.lazy_initialization(keys, values)
        self.keys, self.values = keys, values

    def update(self, key_states: torch.Tensor, value_states: torch.Tensor, *args: object,
               **kwargs: object) -> tuple[torch.Tensor, torch.Tensor]:
        """(prefix keys ++ ``key_states``, prefix values ++ ``value_states``)."""
        return (torch.cat([self.keys, key_states], dim=-2),
                torch.cat([self.values, value_states], dim=-2))


def shared_length(sequences: Sequence[Sequence[int]], limit: int) -> int:
    """The longest common prefix of ``sequences``, at most ``limit`` tokens."""
    first = sequences[0]
    length = 0
    while length < limit and all(s[length] == first[length] for s in sequences):
        length += 1
    return length


def can_share(model: PreTrainedModel) -> bool:
    """Whether the model's cache is plain dynamic layers (no sliding window, no state-space
    layers), the case the two-pass forward reproduces exactly."""
    layers = DynamicCache(config=model.config).layers
    return bool(layers) and all(type(layer) is DynamicLayer for layer in layers)


@contextlib.contextmanager
def checkpointing_with_cache(model: torch.nn.Module) -> Iterator[None]:
    """Let checkpointed decoder layers keep the cache argument (see the module)."""
    layers = [m for m in model.modules() if hasattr(m, "_can_checkpoint_with_cache")]
    for layer in layers:
        layer._can_checkpoint_with_cache = True
    try:
        yield
    finally:
        for layer in layers:
            del layer._can_checkpoint_with_cache  # back to the class's own value


def prefix_then_rows(
    model: PreTrainedModel, prefix: torch.Tensor, ids: torch.Tensor, mask: torch.Tensor,
    positions: torch.Tensor, logits_to_keep: int,
) -> torch.Tensor:
    """Logits of the last ``logits_to_keep`` positions of each row of ``ids`` [B, S] (mask
    and positions as in a plain forward, without the prefix) after ``prefix`` [1, P],
    which runs once."""
    batch, length = ids.shape[0], prefix.shape[1]
    recorded = DynamicCache(config=model.config)
    recorded.layers = [RecordingLayer() for _ in recorded.layers]
    with checkpointing_with_cache(model):
        model(input_ids=prefix, past_key_values=recorded, use_cache=False, logits_to_keep=1)
        broadcast = DynamicCache(config=model.config)
        broadcast.layers = [
            BroadcastPrefixLayer(layer.keys.expand(batch, -1, -1, -1),
                                 layer.values.expand(batch, -1, -1, -1))
            for layer in recorded.layers
        ]
        return model(
            input_ids=ids, attention_mask=torch.cat([mask.new_ones(batch, length), mask], 1),
            position_ids=positions + length, past_key_values=broadcast, use_cache=False,
            logits_to_keep=logits_to_keep,
        ).logits
