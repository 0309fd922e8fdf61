"""The trained model's weights as a sampling engine loads them: full tensors under the base
model's names, LoRA merged in, tied weights under each of their names; written as
safetensors for a reload.

Tied input / output embeddings are written twice on purpose: vLLM's reload skips
``lm_head.weight`` of a tied model and keeps its old (repacked) copy, so the engine is
given an untied config (`untied_config`) and both matrices. It costs one more
vocabulary × hidden matrix in the engine.

This is the file-system weight hand-off (prime-rl's ``filesystem`` broadcast): the only one
that works on vLLM's CPU build, and on a GPU a plain one that needs no NCCL group.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

WEIGHTS_FILE = "model.safetensors"


def weights_fingerprint(model: torch.nn.Module) -> tuple[tuple[int, int], ...]:
    """What changes whenever a parameter of ``model`` is changed in place (an optimizer
    step, ``copy_``, ``load_state_dict``: its version counter) or replaced (its address)."""
    return tuple((p.data_ptr(), p._version) for p in model.parameters())


def _is_peft(model: torch.nn.Module) -> bool:
    return hasattr(model, "merge_adapter") and hasattr(model, "get_base_model")


def _base_name(name: str) -> str:
    """``base_model.model.x.q_proj.base_layer.weight`` → ``x.q_proj.weight`` (peft names)."""
    return name.removeprefix("base_model.model.").replace(".base_layer.", ".")


@torch.no_grad()
def merged_state_dict(model: torch.nn.Module, dtype: torch.dtype | None = None
                      ) -> dict[str, torch.Tensor]:
    """Name → tensor of ``model`` as a plain (non-LoRA) model of its architecture.

    A peft model's adapters are merged into a copy of each adapted weight (W + B A · α / r,
    Hu et al. 2021, eq. 3), computed in fp32 beside the model: the model's own weights are
    never touched (merging in place and back would round a bf16 base twice and drift it).
    Tensors that share storage (tied embeddings) get a copy under each name. Copies on the
    CPU, contiguous, cast to ``dtype`` when given (else each keeps its stored dtype).
    """
    if not _is_peft(model):
        return _copied(list(model.state_dict().items()), dtype)
    deltas = lora_deltas(model)
    items = []
    for name, tensor in model.state_dict().items():
        if "lora_" in name or "modules_to_save" in name:
            continue
        if name in deltas:
            tensor = (tensor.float() + deltas[name]).to(tensor.dtype)
        items.append((_base_name(name), tensor))
    return _copied(items, dtype)


def lora_deltas(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    """State-dict name of each adapted base weight → the sum of its active adapters'
    B A · α / r in fp32 (peft's ``get_delta_weight``, which also handles transposed
    layouts); empty for a model without LoRA layers."""
    from peft.tuners.lora import LoraLayer

    deltas: dict[str, torch.Tensor] = {}
    for module_name, module in model.named_modules():
        if not isinstance(module, LoraLayer) or getattr(module, "merged", False):
            continue
        key = f"{module_name}.base_layer.weight"
        for adapter in module.active_adapters:
            if adapter in module.lora_A:
                delta = module.get_delta_weight(adapter).float()
                deltas[key] = deltas[key] + delta if key in deltas else delta
    return deltas


def _copied(items: list[tuple[str, torch.Tensor]], dtype: torch.dtype | None
            ) -> dict[str, torch.Tensor]:
    seen: set[tuple[int, tuple[int, ...]]] = set()
    state: dict[str, torch.Tensor] = {}
    for name, tensor in items:
        key = (tensor.data_ptr(), tuple(tensor.shape))
        copy = tensor.detach().to("cpu", dtype=dtype if tensor.is_floating_point() else None)
        # a copy, never a view of the parameter (a LoRA merge is undone right after), and
        # no shared storage between names (safetensors refuses it)
        shared = copy.data_ptr() == tensor.data_ptr() or key in seen
        state[name] = copy.clone() if shared else copy.contiguous()
        seen.add(key)
    return state


def untied_config(config: Any) -> Any:
    """A copy of a model config with ``tie_word_embeddings`` off (see the module docstring)."""
    config = copy.deepcopy(config)
    config.tie_word_embeddings = False
    text_config = getattr(config, "text_config", None)
    if text_config is not None and hasattr(text_config, "tie_word_embeddings"):
        text_config.tie_word_embeddings = False
    return config


def write_weights(model: torch.nn.Module, folder: str | Path,
                  dtype: torch.dtype | None = None) -> Path:
    """Write `merged_state_dict` to ``folder/model.safetensors`` (aside, then renamed, so a
    reader never sees half a file); return the file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / WEIGHTS_FILE
    partial = folder / f".{WEIGHTS_FILE}.partial-{os.getpid()}"
    save_file(merged_state_dict(model, dtype), str(partial), metadata={"format": "pt"})
    os.replace(partial, target)
    return target
