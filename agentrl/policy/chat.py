"""What every sampling backend shares about text: chat-template prompts, end-of-sequence
ids and turning sampled tokens into a `Generation`.

One copy of this code serves ``hf`` and ``vllm``, so both backends see the very same prompt
token ids and cut replies the same way (token in, token out).
"""

from __future__ import annotations

from typing import Any

from transformers import GenerationConfig, PreTrainedTokenizerBase

from agentrl.policy.base import Generation, Messages


def render(
    tokenizer: PreTrainedTokenizerBase, messages: Messages,
    tools: list[dict[str, Any]] | None = None,
) -> list[int]:
    """Token ids of ``messages`` in the model's chat template, ready for a reply.

    A final assistant message is a forced start of the reply: it is continued.
    """
    prefilled = messages[-1]["role"] == "assistant"
    text = tokenizer.apply_chat_template(
        messages, tools=tools, tokenize=False, add_generation_prompt=not prefilled,
        continue_final_message=prefilled,
    )
    return tokenizer(text, add_special_tokens=False)["input_ids"]


def render_batch(
    tokenizer: PreTrainedTokenizerBase, batch: list[Messages],
    tools: list[list[dict[str, Any]] | None] | None = None,
) -> list[list[int]]:
    """`render` of each conversation of ``batch`` with its tool specs (``tools[i]``, or
    None for all): the prompts every backend's ``generate`` feeds."""
    tools = tools or [None] * len(batch)
    return [render(tokenizer, m, t) for m, t in zip(batch, tools, strict=True)]


def eos_token_ids(
    generation_config: GenerationConfig | None, tokenizer: PreTrainedTokenizerBase
) -> set[int]:
    """Token ids that end a reply: the generation config's and the tokenizer's EOS."""
    ids = generation_config.eos_token_id if generation_config is not None else None
    ids = ids if isinstance(ids, list) else [ids]
    return {i for i in [*ids, tokenizer.eos_token_id] if i is not None}


def to_generation(
    tokenizer: PreTrainedTokenizerBase, eos: set[int], prompt: list[int], tokens: list[int],
    logprobs: list[float],
) -> Generation:
    """Cut a row at its first end-of-sequence token (kept, so stopping is learned)."""
    end = next((i + 1 for i, token in enumerate(tokens) if token in eos), None)
    finish = "length" if end is None else "stop"
    end = end or len(tokens)
    return Generation(
        text=tokenizer.decode(tokens[:end], skip_special_tokens=True),
        prompt_ids=prompt,
        token_ids=tokens[:end],
        logprobs=logprobs[:end],
        finish_reason=finish,
    )
