"""Copies a forward pass makes that change no number: found in a profile of the update on the
embedded model (``benchmarks/limits.py``), removed here.

- **The LM head's weight, once per row.** Scoring keeps only the last action positions
  (``logits_to_keep``), a strided view of the hidden states. Given a 3-D input that is
  not contiguous — or a single row that needs gradients, as in the shared-prefix pass —
  torch's ``matmul`` does not fold it into one matrix product but broadcasts the weight to
  the batch: a copy of the 49k × 576 head per row (8 rows: a 0.9 GB copy in fp32; 0.27 s
  for one row in bf16). The head here multiplies the positions flattened to one 2-D
  matrix (a copy of a few kilobytes at most) and restores the shape after.
- **The adapters' inputs, cast to fp32 and back.** Under CPU mixed precision the LoRA
  weights are fp32 and the activations bf16; peft casts each adapted layer's input to the
  adapter's dtype before the adapter's two matmuls, and autocast casts it straight back to
  bf16 for them — two copies of the activations per adapted layer (about 200 in the
  embedded model) and the same again in the backward pass. With autocast on, the input can
  go to the adapter as it is: the matmuls see the same bf16 values.

Both leave every log-prob and gradient as it was (tested against the unmodified model).
"""

from __future__ import annotations

import types

import torch
import torch.nn.functional as F


def _flat_linear(self: torch.nn.Linear, hidden: torch.Tensor) -> torch.Tensor:
    """``self(hidden)`` as one matrix product over the flattened leading dimensions."""
    flat = hidden.reshape(-1, hidden.shape[-1])
    return F.linear(flat, self.weight, self.bias).view(*hidden.shape[:-1], -1)


def flat_head_input(model: torch.nn.Module) -> bool:
    """Make ``model``'s LM head multiply one 2-D matrix (see the module); False when the
    model has no linear output embedding."""
    head = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") else None
    if not isinstance(head, torch.nn.Linear):
        return False
    head.forward = types.MethodType(_flat_linear, head)
    return True


def adapters_take_autocast_inputs(model: torch.nn.Module) -> int:
    """Stop peft's LoRA layers from casting their input to the adapter's dtype (see the
    module): for a model whose every forward runs under autocast. Returns how many layers
    changed; each forward must then run under autocast (`agentrl.policy.precision`)."""
    changed = 0
    for module in model.modules():
        if hasattr(module, "cast_input_dtype_enabled") and hasattr(module, "lora_A"):
            module.cast_input_dtype_enabled = False
            changed += 1
    return changed
