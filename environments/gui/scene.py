"""A task's scene as the model receives it: the smart-resized screenshot, the target box and
the accessibility nodes, all in the resized image's pixels."""

from __future__ import annotations

import base64
import io
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from PIL import Image

from agentrl.core.types import Task
from agentrl.environments.gui.coords import MAX_PIXELS, MIN_PIXELS, smart_resize, to_pixels
from agentrl.environments.gui.render import ScreenCache
from agentrl.environments.gui.screens import ScreenSpec


@dataclass
class Scene:
    """One task's screen in model pixels.

    ``image``: the resized screenshot (RGB); ``width`` / ``height``: its size; ``target``:
    the target box (x1, y1, x2, y2); ``nodes``: accessibility nodes (``role``, ``name``,
    ``box`` in model pixels, ``gid``); ``screen_id``: identifies the screenshot.
    """

    image: Image.Image
    width: int
    height: int
    target: tuple[float, float, float, float]
    screen_id: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    spec: ScreenSpec | None = None
    original_size: tuple[int, int] = (0, 0)


def encode_png(image: Image.Image) -> str:
    """``image`` as a base64 PNG string (`Observation.images`' format)."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=1)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


_ENCODED: OrderedDict[tuple[str, int, int], str] = OrderedDict()
_ENCODED_LOCK = threading.Lock()
ENCODED_KEPT = 64  # screenshots kept encoded per process (a group resets the same task G times)


def encoded_screen(scene: Scene) -> str:
    """``scene.image`` as base64 PNG, encoded once per screen and size in this process."""
    key = (scene.screen_id, scene.width, scene.height)
    with _ENCODED_LOCK:
        if key in _ENCODED:
            _ENCODED.move_to_end(key)
            return _ENCODED[key]
    data = encode_png(scene.image)
    with _ENCODED_LOCK:
        _ENCODED[key] = data
        while len(_ENCODED) > ENCODED_KEPT:
            _ENCODED.popitem(last=False)
    return data


def decode_png(data: str) -> Image.Image:
    """The inverse of `encode_png`."""
    return Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB")


class SceneLoader:
    """Builds `Scene`s for tasks, keeping the most recent resized screenshots in memory.

    Args:
        cache: where synthetic screens are rendered and stored.
        min_pixels / max_pixels: smart_resize bounds (Qwen2-VL processor's options).
    """

    def __init__(self, cache: ScreenCache, min_pixels: int = MIN_PIXELS,
                 max_pixels: int = MAX_PIXELS, keep: int = 64) -> None:
        self.cache = cache
        self.min_pixels, self.max_pixels = min_pixels, max_pixels
        self._images: OrderedDict[str, tuple[Image.Image, tuple[int, int], list]] = OrderedDict()
        self._keep = keep
        self._lock = threading.Lock()

    def _screen(self, task: Task) -> tuple[Image.Image, tuple[int, int], list, ScreenSpec | None]:
        meta = task.metadata
        key = meta.get("screen_id") or meta.get("image_path") or task.id
        spec = ScreenSpec(**meta["screen"]) if "screen" in meta else None
        with self._lock:
            if key in self._images:
                self._images.move_to_end(key)
                return (*self._images[key], spec)
        if spec is not None:
            screen = self.cache.get(spec)
            original = Image.open(io.BytesIO(screen.png)).convert("RGB")
            nodes = screen.nodes
        elif "image_path" in meta:
            original = Image.open(meta["image_path"]).convert("RGB")
            nodes = []
        else:
            raise ValueError(f"gui: task {task.id!r} has neither metadata['screen'] nor "
                             "metadata['image_path']; use env.tasks(split) or a loader")
        size = original.size
        height, width = smart_resize(size[1], size[0], min_pixels=self.min_pixels,
                                     max_pixels=self.max_pixels)
        resized = original.resize((width, height), Image.Resampling.BICUBIC)
        scale_x, scale_y = width / size[0], height / size[1]
        scaled = [{**node, "box": [node["box"][0] * scale_x, node["box"][1] * scale_y,
                                   node["box"][2] * scale_x, node["box"][3] * scale_y]}
                  for node in nodes]
        with self._lock:
            self._images[key] = (resized, size, scaled)
            while len(self._images) > self._keep:
                self._images.popitem(last=False)
        return resized, size, scaled, spec

    def load(self, task: Task) -> Scene:
        """The scene of ``task``; ``ValueError`` naming the task when it has no screen."""
        if "box" not in task.metadata:
            raise ValueError(f"gui: task {task.id!r} has no metadata['box']")
        image, size, nodes, spec = self._screen(task)
        width, height = image.size
        target = to_pixels(task.metadata["box"], width, height)
        screen_id = task.metadata.get("screen_id", task.id)
        return Scene(image, width, height, target, screen_id, nodes, spec, size)
