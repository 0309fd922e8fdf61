"""KV-cache layers for batched decoding that append in place."""

from __future__ import annotations

import torch
from transformers import DynamicCache, PreTrainedModel
from transformers.cache_utils import DynamicLayer


class ReservedLayer(DynamicLayer):
    """A KV-cache layer whose keys / values are views into buffers with room to grow.

    `DynamicLayer` appends a token with ``torch.cat``, copying the whole cache of every row
    at every step (the cost grows with batch x length). Here a step writes in place; the
    buffers are reallocated only when full or after a batch reshuffle (repeat / select).
    """

    headroom = 128  # extra positions allocated beyond what is needed now

    def update(
        self, key_states: torch.Tensor, value_states: torch.Tensor, *args: object, **kwargs: object
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Write the new keys / values in place after the cached ones; return the whole cache.

        The buffers are reallocated, with ``headroom`` spare positions, when full or when the
        keys no longer view them (a batch reshuffle replaced them).
        """
        if not self.is_initialized:
            self.lazy_initialization(key_states, value_states)
        length = self.get_seq_length()
        needed = length + key_states.shape[-2]
        buffers = getattr(self, "_buffers", None)
        if (
            buffers is None
            or buffers[0].shape[-2] < needed
            or self.keys.data_ptr() != buffers[0].data_ptr()  # replaced by a batch reshuffle
        ):
            buffers = tuple(
                self._reserve(old, new, needed) for old, new in
                ((self.keys, key_states), (self.values, value_states))
            )
            self._buffers = buffers
        buffers[0][:, :, length:needed] = key_states
        buffers[1][:, :, length:needed] = value_states
        self.keys, self.values = buffers[0][:, :, :needed], buffers[1][:, :, :needed]
        return self.keys, self.values

    def _reserve(self, old: torch.Tensor, new: torch.Tensor, needed: int) -> torch.Tensor:
        shape = (*new.shape[:2], needed + self.headroom, new.shape[-1])
        buffer = new.new_empty(shape)
        if old.numel():
            buffer[:, :, : old.shape[-2]] = old
        return buffer


def new_cache(model: PreTrainedModel) -> DynamicCache:
    """A cache for ``model``: `ReservedLayer`s when every layer is a plain dynamic one (no
    sliding window or other special layer), else transformers' own layers."""
    cache = DynamicCache(config=model.config)
    if cache.layers and all(type(layer) is DynamicLayer for layer in cache.layers):
        cache.layers = [ReservedLayer() for _ in cache.layers]
    return cache
