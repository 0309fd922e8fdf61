"""Images from an observation to a vision-language model and back (Qwen2-VL, Qwen2.5-VL).

The path of one screenshot (base64 PNG, already resized by the env to what the model sees):

1. Prompt building puts it in the chat messages as an image content part (`image_part`,
   the transformers chat-template format); `message_images` reads them back in order.
2. The model's chat template writes one ``<|vision_start|><|image_pad|><|vision_end|>`` per
   image; `VisionProcessor.expand` repeats the pad token to the image's token count,
   t·h·w / merge² of its patch grid (h̄/28 · w̄/28 for a still image).
3. transformers' image processor turns the images into patches (``pixel_values``,
   [Σ patches, 3·2·14·14]) and their grids (``image_grid_thw``, [N, 3]); `vision_inputs`
   adds ``mm_token_type_ids`` (1 on image tokens) and the 3-D multimodal rope positions
   (mrope: temporal, height, width) of the model's own ``get_rope_index``. Positions are
   computed per row on its unpadded tokens, so left padding and batch mates never change
   them: the rollout and the trainer feed the same positions for the same tokens.
4. The rollout runner records the digests (`image_digest`) of the prompt's images on the
   turn (``Turn.prompt_images``); `trajectory_prompt_images` finds the images again among
   the trajectory's observations, so the trainer scores the very inputs that were sampled
   from, and a saved trajectory holds each screenshot once (in its observation).

Text-only prompts never reach this module's tensors: `message_images` finds no image and
the text path runs unchanged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import warnings
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from agentrl.core.types import Trajectory

ImagesPerRow = Sequence[Sequence[str]]


class ImageInputError(ValueError):
    """Images cannot be fed as given (bad base64, a text-only model, placeholder mismatch)."""


def image_part(data: str) -> dict[str, str]:
    """The chat-message content part of a base64 PNG image (transformers' format, which the
    Qwen-VL chat templates and ``processor.apply_chat_template`` both read)."""
    return {"type": "image", "image": data}


def message_images(messages: Sequence[dict[str, Any]]) -> list[str]:
    """The base64 images of ``messages``' image parts, in prompt order (empty for text)."""
    images = []
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            images += [part["image"] for part in content
                       if isinstance(part, dict) and part.get("type") == "image"]
    return images


def image_digest(data: str) -> str:
    """A short content address of a base64 image (the first 16 hex digits of its SHA-256)."""
    return hashlib.sha256(data.encode("ascii", "replace")).hexdigest()[:16]


def decode_image(data: str) -> Any:
    """A base64 PNG (or any format PIL reads; a ``data:`` URL prefix is allowed) as an RGB
    PIL image."""
    from PIL import Image

    payload = data.split(",", 1)[1] if data.startswith("data:") else data
    try:
        return Image.open(io.BytesIO(base64.b64decode(payload, validate=True))).convert("RGB")
    except (binascii.Error, ValueError, OSError) as error:
        raise ImageInputError(
            f"an observation image is not a base64-encoded image ({error}); envs put "
            "screenshots in Observation.images as base64 PNG strings"
        ) from error


def encode_image(image: Any) -> str:
    """A PIL image as a base64 PNG string, the form of ``Observation.images``."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def trajectory_prompt_images(trajectory: Trajectory) -> list[list[str]]:
    """Per turn, the base64 images of its prompt, found by their digests
    (``Turn.prompt_images``) among the trajectory's observations."""
    if not any(turn.prompt_images for turn in trajectory.turns):
        return [[] for _ in trajectory.turns]
    observations = [turn.observation for turn in trajectory.turns]
    if trajectory.final_observation is not None:
        observations.append(trajectory.final_observation)
    known = {image_digest(image): image for o in observations for image in o.images}
    resolved = []
    for index, turn in enumerate(trajectory.turns):
        missing = [d for d in turn.prompt_images if d not in known]
        if missing:
            raise ImageInputError(
                f"turn {index} of task {trajectory.task.id!r}: prompt image {missing[0]} is in "
                "no observation of its trajectory; prompts may only show observation images"
            )
        resolved.append([known[d] for d in turn.prompt_images])
    return resolved


@dataclass
class VisionProcessor:
    """What feeds images to a Qwen2-VL-family model: transformers' image processor (resize
    to the patch grid, normalise, patchify) and the id of the image placeholder token.

    Built by `agentrl.policy.resolve.load_vision` from a checkpoint's processor files, or
    locally for the ``tiny:`` models. Encoded images are kept (``cache_size`` of them, by
    content), so a screenshot shared by a group's rollouts and by the trainer's scoring is
    processed once.
    """

    image_processor: Any = field(repr=False)
    image_token_id: int
    cache_size: int = 64
    _cache: OrderedDict[str, tuple[torch.Tensor, torch.Tensor]] = field(
        default_factory=OrderedDict, repr=False
    )

    @property
    def merge_size(self) -> int:
        """Patches merged per side into one LLM token (2 for Qwen2-VL / Qwen2.5-VL)."""
        return int(getattr(self.image_processor, "merge_size", 2))

    def encode(self, images: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """(pixel_values [Σ patches, C·T·P·P], image_grid_thw [N, 3]) of base64 images."""
        encoded = [self._encode_one(image) for image in images]
        return torch.cat([p for p, _ in encoded]), torch.cat([g for _, g in encoded])

    def _encode_one(self, image: str) -> tuple[torch.Tensor, torch.Tensor]:
        if image in self._cache:
            self._cache.move_to_end(image)
            return self._cache[image]
        picture = decode_image(image)
        out = self.image_processor(images=[picture], return_tensors="pt")
        encoded = (out["pixel_values"], out["image_grid_thw"].long())
        patch = int(getattr(self.image_processor, "patch_size", 14))
        seen = (int(encoded[1][0, 2]) * patch, int(encoded[1][0, 1]) * patch)
        if seen != picture.size:
            warnings.warn(
                f"the image processor resized a {picture.size[0]}x{picture.size[1]} image to "
                f"{seen[0]}x{seen[1]}: the model's coordinates are then not the env's pixels. "
                "Resize in the env (Qwen2-VL smart_resize, factor 28, within the processor's "
                "min / max pixels).", stacklevel=3,
            )
        self._cache[image] = encoded
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return encoded

    def token_counts(self, grid_thw: torch.Tensor) -> list[int]:
        """LLM tokens of each image: t·h·w / merge² of its patch grid."""
        return (grid_thw.prod(-1) // self.merge_size**2).tolist()

    def expand(self, prompt: Sequence[int], images: Sequence[str]) -> list[int]:
        """``prompt`` with each single image placeholder repeated to its image's token count
        (what the chat template writes → what the model reads)."""
        slots = [i for i, token in enumerate(prompt) if token == self.image_token_id]
        if len(slots) != len(images):
            raise ImageInputError(
                f"the chat template wrote {len(slots)} image placeholder(s) for "
                f"{len(images)} image(s); the model's chat template must render image parts"
            )
        if not images:
            return list(prompt)
        counts = self.token_counts(self.encode(images)[1])
        expanded: list[int] = []
        start = 0
        for slot, count in zip(slots, counts, strict=True):
            expanded += [*prompt[start:slot], *[self.image_token_id] * count]
            start = slot + 1
        return expanded + list(prompt[start:])


def rope_index(model: torch.nn.Module) -> Any:
    """The model's ``get_rope_index`` (3-D mrope positions), through a peft wrapper."""
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    for module in (base, getattr(base, "model", None)):
        if module is not None and hasattr(module, "get_rope_index"):
            return module.get_rope_index
    raise ImageInputError(
        f"{type(base).__name__} has no get_rope_index: images need a Qwen2-VL-family model"
    )


def vision_inputs(
    model: torch.nn.Module,
    vision: VisionProcessor,
    ids: torch.Tensor,
    mask: torch.Tensor,
    images: ImagesPerRow,
) -> dict[str, torch.Tensor]:
    """The extra forward kwargs of a left-padded batch whose rows show ``images``:
    ``pixel_values``, ``image_grid_thw``, ``mm_token_type_ids`` and the 3-D
    ``position_ids`` [3, B, L] (padding at position 0; each row's positions those it has
    alone). Rows without images get plain text positions."""
    device = ids.device
    token_types = (ids == vision.image_token_id).int()
    flat = [image for row in images for image in row]
    pixel_values, grid_thw = vision.encode(flat)
    counts = vision.token_counts(grid_thw)
    start = 0
    for row, row_images in enumerate(images):
        expected = sum(counts[start : start + len(row_images)])
        start += len(row_images)
        found = int(token_types[row].sum())
        if found != expected:
            raise ImageInputError(
                f"row {row} has {found} image tokens but its {len(row_images)} image(s) need "
                f"{expected}; prompt ids must come from the same images (token in, token out)"
            )
    grid_thw = grid_thw.to(device)
    position_ids, _ = rope_index(model)(
        ids, mm_token_type_ids=token_types, image_grid_thw=grid_thw, attention_mask=mask
    )
    return {
        "pixel_values": pixel_values.to(device),
        "image_grid_thw": grid_thw,
        "mm_token_type_ids": token_types,
        "position_ids": position_ids,
    }


def next_positions(position_ids: torch.Tensor) -> torch.Tensor:
    """[B, 1] text position of the token after each row of 3-D ``position_ids`` [3, B, L]:
    its largest position + 1 (the text position plus the row's mrope delta)."""
    return position_ids.amax(dim=(0, 2)).unsqueeze(-1) + 1
