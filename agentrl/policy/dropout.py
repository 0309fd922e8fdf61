"""Whether a model's training forward pass differs from its eval-mode one."""

from __future__ import annotations

from torch import nn

# config fields the Hugging Face models apply as functional dropout (no nn.Dropout module)
DROPOUT_CONFIG_FIELDS = ("attention_dropout", "hidden_dropout", "dropout", "attn_pdrop",
                         "resid_pdrop", "embd_pdrop", "hidden_dropout_prob",
                         "attention_probs_dropout_prob")


def has_active_dropout(model: nn.Module) -> bool:
    """True when train mode would drop anything: an ``nn.Dropout`` with p > 0 (LoRA's
    adapter dropout included) or a dropout probability > 0 in the model's config (text
    config too, for vision-language models)."""
    if any(isinstance(m, nn.Dropout) and m.p > 0 for m in model.modules()):
        return True
    config = getattr(model, "config", None)
    configs = [config] if config is not None else []
    if config is not None and hasattr(config, "get_text_config"):
        configs.append(config.get_text_config())
    return any(isinstance(value := getattr(c, name, 0), int | float) and value > 0
               for c in configs for name in DROPOUT_CONFIG_FIELDS)
