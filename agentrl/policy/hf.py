"""The Hugging Face transformers policy backend (CPU or CUDA, optional LoRA via peft; text
and vision-language models, see `agentrl.policy.multimodal`)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from transformers import PreTrainedModel, PreTrainedTokenizerBase

from agentrl.policy.avoided_copies import adapters_take_autocast_inputs, flat_head_input
from agentrl.policy.base import Generation, Messages, SamplingParams, TokenScores
from agentrl.policy.chat import eos_token_ids, render, render_batch, to_generation
from agentrl.policy.decode_snapshot import DecodeSnapshot
from agentrl.policy.decoding import decode, decode_with_images, left_pad, positions_from_mask
from agentrl.policy.multimodal import (
    ImageInputError,
    ImagesPerRow,
    VisionProcessor,
    message_images,
    vision_inputs,
)
from agentrl.policy.options import LoraOptions
from agentrl.policy.precision import FLOAT32, Precision
from agentrl.policy.prefix_store import CachedRows, PrefixStore
from agentrl.policy.resolve import DEFAULT_MODEL, load_model, load_tokenizer
from agentrl.policy.shared_prefix import (
    MIN_SHARED_TOKENS,
    can_share,
    prefix_then_rows,
    shared_length,
)
from agentrl.policy.vision_models import load_vision, save_vision


class HFPolicy:
    """A causal LM that samples replies in batches and scores given replies.

    Log-probs are those of the sampling distribution at ``temperature`` (logits / T,
    before top-p / top-k truncation), computed the same way at rollout and in training,
    so the rollout's log-probs of sampled tokens equal the trainer's (up to float error).

    With ``vision`` (a Qwen2-VL-family model) prompts may show images: `generate` feeds the
    images of the messages' image parts, and `score` / `tail_hidden` take each row's images
    (``images``) so the trainer scores the same image tokens, patches and rope positions.
    """

    def __init__(
        self,
        model: PreTrainedModel,
        tokenizer: PreTrainedTokenizerBase,
        *,
        name: str = "custom",
        max_batch_size: int = 16,
        vision: VisionProcessor | None = None,
        precision: Precision = FLOAT32,
        decode_snapshot: bool = True,
    ) -> None:
        self.model = model
        self.precision = precision
        flat_head_input(model)  # `agentrl.policy.avoided_copies`
        if precision.autocast is not None:
            adapters_take_autocast_inputs(model)
        # CPU mixed precision decodes with a plain bf16 copy (`agentrl.policy.decode_snapshot`)
        self.snapshot = (DecodeSnapshot(precision.autocast) if decode_snapshot
                         and precision.autocast is not None and vision is None else None)
        self.tokenizer = tokenizer
        self.vision = vision
        self.name = name
        self.max_batch_size = max_batch_size
        self.prefix_store = PrefixStore()  # caches of the last generate call, for reuse
        self._plain_cache: bool | None = None  # whether scoring may share prefixes
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token

    @classmethod
    def from_name(
        cls,
        name: str = DEFAULT_MODEL,
        *,
        device: str = "cpu",
        dtype: str = "float32",
        lora: LoraOptions | None = None,
        max_batch_size: int = 16,
        decode_snapshot: bool = True,
    ) -> HFPolicy:
        """Load model ``name`` (see `agentrl.policy.resolve`) onto ``device``, in the
        precision ``dtype`` resolves to there (`agentrl.policy.precision.Precision.of`;
        ``auto`` is the recipe's default, a call from code gets float32 unless it asks).
        ``decode_snapshot``: under CPU mixed precision, decode with a plain bf16 copy of the
        current weights (`agentrl.policy.decode_snapshot`)."""
        precision = Precision.of(dtype, device, lora=lora is not None)
        tokenizer = load_tokenizer(name)
        model = load_model(name, dtype=precision.storage).to(device)
        vision = load_vision(name, tokenizer, model)
        if lora is not None:
            from peft import LoraConfig, get_peft_model

            config = LoraConfig(
                r=lora.r,
                lora_alpha=lora.alpha,
                lora_dropout=lora.dropout,
                target_modules=lora.target_modules,
                task_type="CAUSAL_LM",
            )
            # a reduced-precision base gets an fp32 adapter (peft's autocast_adapter_dtype)
            model = get_peft_model(model, config, autocast_adapter_dtype=True)
        return cls(model, tokenizer, name=name, max_batch_size=max_batch_size, vision=vision,
                   precision=precision, decode_snapshot=decode_snapshot)

    @property
    def device(self) -> torch.device:
        """The device the model's parameters are on."""
        return next(self.model.parameters()).device

    def compute(self) -> contextlib.AbstractContextManager:
        """The context every forward pass runs in (autocast under bf16; see ``precision``)."""
        return self.precision.compute(self.device)

    @property
    def eos_ids(self) -> set[int]:
        """Token ids that end a reply: the generation config's and the tokenizer's EOS."""
        return eos_token_ids(self.model.generation_config, self.tokenizer)

    def render(self, messages: Messages, tools: list[dict[str, Any]] | None = None) -> list[int]:
        """Token ids of ``messages`` in the model's chat template (`agentrl.policy.chat.render`)."""
        return render(self.tokenizer, messages, tools)

    def generate(
        self,
        batch: list[Messages],
        sampling: SamplingParams,
        *,
        tools: list[list[dict[str, Any]] | None] | None = None,
    ) -> list[Generation]:
        """Sample one reply per conversation; batches of up to ``max_batch_size`` prompts.

        Conversations with image parts (`agentrl.policy.multimodal.image_part`) need a
        vision-language model; their prompts get each image's tokens.
        """
        images = [message_images(messages) for messages in batch]
        if not any(images):
            return self.generate_from_ids(render_batch(self.tokenizer, batch, tools), sampling)
        self._vision()  # a text-only model refuses images before its template sees them
        prompts = [self._with_image_tokens(prompt, row) for prompt, row in
                   zip(render_batch(self.tokenizer, batch, tools), images, strict=True)]
        return self.generate_from_ids(prompts, sampling, images=images)

    def render_prompt(
        self, messages: Messages, tools: list[dict[str, Any]] | None = None
    ) -> tuple[list[int], list[str]]:
        """(prompt ids with each image's tokens, the images), as `generate` feeds them."""
        images = message_images(messages)
        if images:
            self._vision()
        return self._with_image_tokens(self.render(messages, tools), images), images

    def _with_image_tokens(self, prompt: list[int], images: list[str]) -> list[int]:
        return self._vision().expand(prompt, images) if images else prompt

    def _vision(self) -> VisionProcessor:
        if self.vision is None:
            raise ImageInputError(
                f"model {self.name!r} is text-only but the prompt shows images: use a "
                "vision-language model (Qwen2-VL, Qwen2.5-VL, tiny:qwen2-vl), an env's text "
                "mode, or rollout.prompt.images='none'"
            )
        return self.vision

    def _image_rows(self, images: ImagesPerRow | None) -> ImagesPerRow | None:
        """``images`` when a row shows any (the model must then take images), else None."""
        if images is None or not any(images):
            return None
        self._vision()
        return images

    def generate_from_ids(
        self, prompts: list[list[int]], sampling: SamplingParams,
        images: ImagesPerRow | None = None,
    ) -> list[Generation]:
        """Sample one reply per token-id prompt (see `agentrl.policy.decoding.decode`);
        ``images[i]`` are the base64 images prompt i's image tokens stand for."""
        images = self._image_rows(images)
        generator = None
        if sampling.seed is not None:
            generator = torch.Generator(self.device).manual_seed(sampling.seed)
        decoder, context = self.decoder(images)
        was_training = decoder.training
        decoder.eval()
        results: list[Generation] = []
        kept = self.prefix_store.take(decoder)
        try:
            with context:
                for start in range(0, len(prompts), self.max_batch_size):
                    end = start + self.max_batch_size
                    results += self._generate_chunk(decoder, prompts[start:end], sampling,
                                                    images and images[start:end], generator, kept)
        finally:
            decoder.train(was_training)
        return results

    def decoder(self, images: ImagesPerRow | None = None
                 ) -> tuple[torch.nn.Module, contextlib.AbstractContextManager]:
        """The model a rollout decodes with and the context it runs in: the plain bf16
        snapshot under CPU mixed precision (`agentrl.policy.decode_snapshot`; text only),
        else the trained model under `compute`."""
        if self.snapshot is None or images:
            return self.model, self.compute()
        return self.snapshot.model_for(self.model), contextlib.nullcontext()

    def _generate_chunk(
        self, decoder: torch.nn.Module, chunk: list[list[int]], sampling: SamplingParams,
        images: ImagesPerRow | None, generator: torch.Generator | None, kept: list[CachedRows],
    ) -> list[Generation]:
        """One batch of `generate_from_ids` (at most ``max_batch_size`` prompts)."""
        shown = self._image_rows(images)
        if shown is None:
            tokens, logprobs, rows = decode(
                decoder, chunk, sampling, pad_id=self.tokenizer.pad_token_id,
                eos_ids=self.eos_ids, generator=generator, kept=kept,
            )
            self.prefix_store.keep(rows)
        else:
            tokens, logprobs = decode_with_images(
                self.model, self._vision(), chunk, shown, sampling,
                pad_id=self.tokenizer.pad_token_id, eos_ids=self.eos_ids, generator=generator,
            )
        return [self._to_generation(prompt, tokens[row].tolist(), logprobs[row].tolist())
                for row, prompt in enumerate(chunk)]

    def _to_generation(
        self, prompt: list[int], tokens: list[int], logprobs: list[float]
    ) -> Generation:
        """Cut a row at its first end-of-sequence token (`agentrl.policy.chat.to_generation`)."""
        return to_generation(self.tokenizer, self.eos_ids, prompt, tokens, logprobs)

    def score(
        self,
        prompt_ids: list[list[int]],
        action_ids: list[list[int]],
        *,
        temperature: float = 1.0,
        images: ImagesPerRow | None = None,
        share_prefix: bool = True,
    ) -> TokenScores:
        """Differentiable log-probs and entropies of each action given its prompt.

        Sequences are left-padded so every action ends at the last position; only the
        last ``max_action_len + 1`` positions go through the LM head, which keeps memory
        proportional to the action length, not the prompt length. ``images[i]``: the
        base64 images of prompt i's image tokens (`agentrl.policy.multimodal.vision_inputs`).
        With ``share_prefix`` the rows' common prompt prefix runs once
        (`agentrl.policy.shared_prefix`; the same log-probs and gradients).
        """
        width = max(len(a) for a in action_ids)
        shared = 0
        if share_prefix and len(prompt_ids) > 1 and self._image_rows(images) is None:
            shared = self._shareable(prompt_ids)
        sequences = [(p + a)[shared:] for p, a in zip(prompt_ids, action_ids, strict=True)]
        ids, mask = left_pad(sequences, self.tokenizer.pad_token_id)
        ids, mask = ids.to(self.device), mask.to(self.device)
        with self.compute():
            if shared:
                prefix = torch.tensor([prompt_ids[0][:shared]], device=self.device)
                logits = prefix_then_rows(self.model, prefix, ids, mask,
                                          positions_from_mask(mask), width + 1)
            else:
                logits = self.model(
                    input_ids=ids,
                    attention_mask=mask,
                    logits_to_keep=width + 1,
                    **self._position_inputs(ids, mask, images),
                    use_cache=False,  # nothing reuses it; checkpointed training refuses one
                ).logits
        logits = logits[:, :-1].float() / temperature
        log_probs = F.log_softmax(logits, dim=-1)
        targets = ids[:, -width:]
        token_logprobs = log_probs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
        entropies = -(log_probs.exp() * log_probs).sum(-1)
        action_mask = torch.zeros_like(token_logprobs)
        for row, action in enumerate(action_ids):
            if action:
                action_mask[row, width - len(action) :] = 1.0
        return TokenScores(token_logprobs, entropies, action_mask)

    def _shareable(self, prompt_ids: list[list[int]]) -> int:
        """How many leading prompt tokens every row shares (each row keeps at least its
        last prompt token, whose logits score its first action token); 0 when too few to
        be worth a second pass or the model's cache layers are not plain ones."""
        shared = shared_length(prompt_ids, min(len(p) for p in prompt_ids) - 1)
        if shared < MIN_SHARED_TOKENS:
            return 0
        if self._plain_cache is None:
            self._plain_cache = can_share(self.model)
        return shared if self._plain_cache else 0

    def _position_inputs(
        self, ids: torch.Tensor, mask: torch.Tensor, images: ImagesPerRow | None
    ) -> dict[str, torch.Tensor]:
        """Forward kwargs beside the ids: text positions, or with images the patches, grids
        and 3-D rope positions (`agentrl.policy.multimodal.vision_inputs`)."""
        images = self._image_rows(images)
        if images is None:
            return {"position_ids": positions_from_mask(mask)}
        return vision_inputs(self.model, self._vision(), ids, mask, images)

    @torch.no_grad()
    def tail_hidden(
        self, sequences: list[list[int]], counts: list[int], images: ImagesPerRow | None = None
    ) -> list[torch.Tensor]:
        """Final-layer hidden states at the last ``counts[i]`` tokens of each sequence:
        a [counts[i], H] tensor per sequence (no grad); ``images`` as in `score`."""
        widest = max(counts, default=0)
        if widest == 0:
            return [torch.zeros(0, self.hidden_size) for _ in sequences]
        ids, mask = left_pad(sequences, self.tokenizer.pad_token_id)
        ids, mask = ids.to(self.device), mask.to(self.device)
        with self.compute():
            output = self.model(
                input_ids=ids,
                attention_mask=mask,
                output_hidden_states=True,
                logits_to_keep=1,
                **self._position_inputs(ids, mask, images),
            )
        tail = output.hidden_states[-1][:, -widest:].float()
        return [tail[row, widest - n :] for row, n in enumerate(counts)]

    @property
    def hidden_size(self) -> int:
        """Width of the language model's final hidden states."""
        return self.model.config.get_text_config().hidden_size

    def trainable_parameters(self) -> Iterator[torch.nn.Parameter]:
        """The model's parameters that require gradients (only the adapter's under LoRA)."""
        return (p for p in self.model.parameters() if p.requires_grad)

    def sync_weights(self, model: torch.nn.Module) -> None:
        """The `Sampler` hand-off. The hf backend samples with the trained model itself, so
        there is nothing to copy; the caches kept for the next turn are dropped, as they
        belong to the weights before the update. Another model's weights are loaded."""
        if model is not self.model:
            self.model.load_state_dict(model.state_dict())
        self.prefix_store.clear()

    def release_memory(self) -> None:
        """Nothing to release: the sampler is the trained model (`Sampler` protocol)."""

    def close(self) -> None:
        """Drop the kept rollout caches and the decode snapshot (`Sampler` protocol); the
        model stays usable."""
        self.prefix_store.clear()
        if self.snapshot is not None:
            self.snapshot.clear()

    def save(self, path: str | Path) -> None:
        """Write the model (or LoRA adapter), tokenizer and image processor (VLMs) in
        Hugging Face format."""
        self.model.save_pretrained(path)
        self.tokenizer.save_pretrained(path)
        save_vision(self.vision, path)
