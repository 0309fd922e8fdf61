"""Vision-language models for the ``hf`` backend: which ones, and their image processing.

- ``tiny:qwen2-vl`` / ``tiny:qwen2.5-vl``: randomly initialised Qwen2-VL / Qwen2.5-VL
  models (2 text layers of width 64, a 2-block vision tower) with the embedded model's
  tokenizer plus the Qwen-VL vision tokens and a ChatML template that renders image parts.
  Everything is built locally from configs (nothing from a hub), seeded, for tests.
- Any checkpoint whose config's ``model_type`` is in `VISION_MODEL_TYPES` (Qwen2-VL,
  Qwen2.5-VL) loads as ``AutoModelForImageTextToText`` with its own image processor.

`load_vision` gives the `VisionProcessor` the policy feeds images with (None for a
text-only model, whose prompts stay as they are).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from transformers import (
    AutoImageProcessor,
    AutoModelForImageTextToText,
    PreTrainedConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
    Qwen2_5_VLConfig,
    Qwen2VLConfig,
    Qwen2VLImageProcessorPil,
)

from agentrl.policy.multimodal import VisionProcessor

VISION_MODEL_TYPES = ("qwen2_vl", "qwen2_5_vl")
VISION_TOKENS = ("<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|video_pad|>")
# ChatML, as the embedded model's template, with Qwen-VL's placeholder for an image part.
TINY_VISION_CHAT_TEMPLATE = (
    "{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}{% else %}"
    "{% for part in message['content'] %}{% if part['type'] == 'image' %}"
    "<|vision_start|><|image_pad|><|vision_end|>{% elif part['type'] == 'text' %}"
    "{{ part['text'] }}{% endif %}{% endfor %}{% endif %}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)
_TINY_TEXT = {"hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2,
              "num_attention_heads": 4, "num_key_value_heads": 2,
              "max_position_embeddings": 4096,
              # mrope sections (temporal, height, width) sum to head_dim / 2 = 8
              "rope_parameters": {"rope_type": "default", "rope_theta": 1e6,
                                  "mrope_section": [4, 2, 2]}}
_TINY_VISION: dict[str, tuple[type[PreTrainedConfig], dict[str, Any]]] = {
    "qwen2-vl": (Qwen2VLConfig, {"depth": 2, "embed_dim": 32, "hidden_size": 64,
                                 "num_heads": 4, "mlp_ratio": 2}),
    "qwen2.5-vl": (Qwen2_5_VLConfig, {"depth": 2, "hidden_size": 32, "intermediate_size": 64,
                                      "num_heads": 4, "out_hidden_size": 64,
                                      "window_size": 56, "fullatt_block_indexes": [1]}),
}
TINY_VISION_ARCHS = tuple(_TINY_VISION)


def tiny_vision_tokenizer(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """``tokenizer`` with the Qwen-VL vision tokens added and `TINY_VISION_CHAT_TEMPLATE`."""
    tokenizer.add_special_tokens({"additional_special_tokens": list(VISION_TOKENS)})
    tokenizer.chat_template = TINY_VISION_CHAT_TEMPLATE
    return tokenizer


def tiny_vision_model(
    arch: str, tokenizer: PreTrainedTokenizerBase, *, seed: int = 0
) -> PreTrainedModel:
    """A randomly initialised ``arch`` VLM (`TINY_VISION_ARCHS`) sized for ``tokenizer``
    (from `tiny_vision_tokenizer`): patch 14, merge 2, temporal patch 2, as the real ones."""
    config_class, vision = _TINY_VISION[arch]
    ids = {token: tokenizer.convert_tokens_to_ids(token) for token in VISION_TOKENS}
    special = {"bos_token_id": tokenizer.bos_token_id, "eos_token_id": tokenizer.eos_token_id,
               "pad_token_id": tokenizer.pad_token_id}
    config = config_class(
        text_config={**_TINY_TEXT, "vocab_size": len(tokenizer), **special},
        vision_config={**vision, "patch_size": 14, "spatial_merge_size": 2,
                       "temporal_patch_size": 2, "in_channels": 3},
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True, **special,
    )
    torch.manual_seed(seed)
    return AutoModelForImageTextToText.from_config(config)


def is_vision_config(config: PreTrainedConfig) -> bool:
    """True for a config of a vision-language family this backend feeds images to."""
    return getattr(config, "model_type", None) in VISION_MODEL_TYPES


def _model_config(model: PreTrainedModel) -> PreTrainedConfig:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    return base.config


def load_vision(
    name: str, tokenizer: PreTrainedTokenizerBase, model: PreTrainedModel
) -> VisionProcessor | None:
    """The image feeding of ``model`` (None when it is text-only).

    ``tiny:`` VLMs get a Qwen2-VL image processor with the class defaults (min 56², max
    1,003,520 pixels; images the env already resized pass unchanged). A checkpoint gets its
    own processor (``AutoProcessor``, or ``AutoImageProcessor`` where the full processor
    cannot be built, e.g. without torchvision); a processor chat template is given to the
    tokenizer when the tokenizer has none.
    """
    config = _model_config(model)
    if not is_vision_config(config):
        return None
    if name.startswith("tiny:"):
        return VisionProcessor(Qwen2VLImageProcessorPil(), config.image_token_id)
    return VisionProcessor(_checkpoint_image_processor(name, tokenizer), config.image_token_id)


def _checkpoint_image_processor(name: str, tokenizer: PreTrainedTokenizerBase) -> Any:
    source = Path(name) if Path(name).exists() else name
    try:
        from transformers import AutoProcessor

        processor = AutoProcessor.from_pretrained(source)
    except (ImportError, OSError, ValueError, TypeError, AttributeError):
        processor = None  # e.g. the video processor needs torchvision
    if processor is not None and hasattr(processor, "image_processor"):
        if tokenizer.chat_template is None and getattr(processor, "chat_template", None):
            tokenizer.chat_template = processor.chat_template
        return processor.image_processor
    template = Path(name) / "chat_template.jinja"
    if tokenizer.chat_template is None and template.exists():
        tokenizer.chat_template = template.read_text(encoding="utf-8")
    return AutoImageProcessor.from_pretrained(source)


def save_vision(vision: VisionProcessor | None, path: str | Path) -> None:
    """Write the image processor next to a saved model (a no-op for text models)."""
    if vision is not None:
        vision.image_processor.save_pretrained(path)

