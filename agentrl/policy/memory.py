"""Keeping a CPU training process's resident memory small.

Where the main job's memory went (``benchmarks/memory.py``, embedded SmolLM2-135M with
LoRA, 8 turns of a few hundred tokens per forward pass): not the weights (0.5 GiB) nor the
49k-vocabulary logits (only the action positions reach the LM head), but the activations
autograd keeps for the backward pass — every layer's inputs, attention and MLP
intermediates for every prompt token, ~0.2 GiB per layer and micro-batch. Activation
checkpointing keeps only each layer's input and recomputes the rest in the backward pass:
the same arithmetic in the same order (log-probs and gradients equal bit for bit), one
extra forward pass of time.

The second source is the C allocator: glibc keeps freed blocks resident and fragmented
between one stage's peak and the next (`agentrl.core.allocator`: tcmalloc under the
``agentrl`` command, and `agentrl.core.allocator.release_free_memory` between stages).
"""

from __future__ import annotations

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
