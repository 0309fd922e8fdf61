"""Keeping a CPU training process's resident memory small.

Where the main job's memory went (``benchmarks/memory.py``, embedded SmolLM2-135M with
LoRA, 8 turns of a few hundred tokens per forward pass): not the weights (0.5 GiB) nor the
49k-vocabulary logits (only the action positions reach the LM head), but the activations
autograd keeps for the backward pass — every layer's inputs, attention and MLP
intermediates for every prompt token, ~0.2 GiB per layer and micro-batch. Activation
checkpointing keeps only each layer's input and recomputes the rest in the backward pass:
the same arithmetic in the same order (log-probs and gradients equal bit for bit), one
extra forward pass of time.

The second source is the C allocator: glibc keeps freed blocks mapped (per thread arena),
so the peak of one stage stays resident through the next. `release_free_memory` hands
them back between stages.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from functools import cache

from transformers import PreTrainedModel


def enable_activation_checkpointing(model: PreTrainedModel) -> bool:
    """Recompute each decoder layer's activations in the backward pass instead of keeping
    them (non-reentrant `torch.utils.checkpoint`, so a LoRA model's frozen inputs need no
    gradient). Only training forward passes with gradients are affected: rollouts and
    no-grad scoring run as before. Returns False when the model does not support it."""
    if not getattr(model, "supports_gradient_checkpointing", False):
        return False
    try:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    except (ValueError, AttributeError):
        return False
    return True


@cache
def _libc() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def release_free_memory() -> None:
    """Collect garbage and return the C heap's free pages to the OS (glibc ``malloc_trim``;
    a no-op elsewhere), so one stage's transient peak does not stay resident."""
    gc.collect()
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
