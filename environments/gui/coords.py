"""Coordinates: Qwen2-VL's ``smart_resize``, boxes as proportions, model-pixel conversions.

GUI-Cursor's convention, kept throughout the family: the env resizes each screenshot itself,
so the pixels the env computes rewards in are the pixels the model sees; target boxes are
stored as proportions of the image (x1, y1, x2, y2 in [0, 1]) and turned into the model's
pixel space only when a reward or an oracle needs them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FACTOR = 28  # Qwen2-VL: patch 14 x spatial merge 2
MIN_PIXELS = 3136  # Qwen2VLImageProcessor defaults
MAX_PIXELS = 1003520
MAX_ASPECT = 200
NORMALISED_SCALE = 1000  # Qwen2-VL / Qwen3-VL answer in 0-1000

Box = tuple[float, float, float, float]


def smart_resize(
    height: int,
    width: int,
    factor: int = FACTOR,
    min_pixels: int = MIN_PIXELS,
    max_pixels: int = MAX_PIXELS,
) -> tuple[int, int]:
    """Qwen2-VL's ``smart_resize`` (transformers ``image_processing_qwen2_vl.py``).

    Both sides become multiples of ``factor`` (round(h / factor) * factor); when the area is
    above ``max_pixels`` the image shrinks by beta = sqrt(h w / max_pixels) with floor, below
    ``min_pixels`` it grows by beta = sqrt(min_pixels / (h w)) with ceil. Returns
    ``(new_height, new_width)``; ``ValueError`` for a side under 10 pixels or an aspect
    ratio over 200, as the original.
    """
    if height < 10 or width < 10:
        raise ValueError(f"smart_resize: height {height} and width {width} must be >= 10")
    if max(height, width) / min(height, width) > MAX_ASPECT:
        raise ValueError(
            f"smart_resize: aspect ratio {max(height, width) / min(height, width):.1f} "
            f"is over {MAX_ASPECT}"
        )
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def to_proportions(box: Sequence[float], width: float, height: float) -> Box:
    """A pixel box (x1, y1, x2, y2) of a ``width`` x ``height`` image as proportions."""
    x1, y1, x2, y2 = box
    return (x1 / width, y1 / height, x2 / width, y2 / height)


def to_pixels(box: Sequence[float], width: float, height: float) -> Box:
    """A proportional box in the pixel space of a ``width`` x ``height`` image."""
    x1, y1, x2, y2 = box
    return (x1 * width, y1 * height, x2 * width, y2 * height)


def xywh_to_xyxy(box: Sequence[float]) -> Box:
    """ScreenSpot's (x, y, w, h) as (x1, y1, x2, y2)."""
    x, y, w, h = box
    return (x, y, x + w, y + h)


def centre(box: Sequence[float]) -> tuple[float, float]:
    """The centre of an (x1, y1, x2, y2) box."""
    x1, y1, x2, y2 = box
    return ((x1 + x2) / 2, (y1 + y2) / 2)


def from_model_space(
    values: Sequence[float], width: int, height: int, coordinates: str
) -> list[float]:
    """Model-written x, y, x, y, ... as pixels of the model's image.

    ``coordinates``: ``"absolute"`` (Qwen2.5-VL: pixels of the resized image, unchanged) or
    ``"normalised"`` (Qwen2-VL / Qwen3-VL: 0-1000 on each axis).
    """
    if coordinates == "absolute":
        return [float(v) for v in values]
    if coordinates != "normalised":
        raise ValueError(f"coordinates={coordinates!r}; use 'absolute' or 'normalised'")
    sizes = (width, height)
    return [v * sizes[i % 2] / NORMALISED_SCALE for i, v in enumerate(values)]


def to_model_space(
    values: Sequence[float], width: int, height: int, coordinates: str
) -> list[int]:
    """Pixels of the model's image as the model should write them (rounded integers)."""
    if coordinates == "absolute":
        return [round(v) for v in values]
    if coordinates != "normalised":
        raise ValueError(f"coordinates={coordinates!r}; use 'absolute' or 'normalised'")
    sizes = (width, height)
    return [round(v * NORMALISED_SCALE / sizes[i % 2]) for i, v in enumerate(values)]
