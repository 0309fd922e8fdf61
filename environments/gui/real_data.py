"""Loaders for the real benchmarks: ScreenSpot, ScreenSpot-v2 and ScreenSpot-Pro.

Each turns the benchmark's annotation files into tasks whose ``metadata`` holds the image
path, the target box as proportions of the image, ``data_type`` and ``category``, the same
keys the synthetic tasks use, so the envs and the evaluation treat both alike.

- ScreenSpot: ``screenspot_{mobile,desktop,web}.json``; ``bbox`` is x, y, w, h pixels.
- ScreenSpot-v2: ``screenspot_{desktop,mobile,web}_v2.json``, the same fields.
- ScreenSpot-Pro: ``annotations/<app>_<os>.json``; ``bbox`` is x1, y1, x2, y2 pixels,
  ``img_size`` [w, h], ``ui_type``, ``group``, ``application``, ``platform``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image

from agentrl.core.types import Task
from agentrl.environments.gui.coords import to_proportions, xywh_to_xyxy

SCREENSPOT_PLATFORMS = ("mobile", "desktop", "web")


def _image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def _resolve_images(root: Path, images: str | Path | None) -> Path:
    if images is not None:
        return Path(images)
    for candidate in (root / "images", root / "screenspot_imgs", root):
        if candidate.is_dir():
            return candidate
    return root


def _screenspot(root: Path, images: str | Path | None, suffix: str, source: str,
                env_id: str, split: str) -> list[Task]:
    image_dir = _resolve_images(root, images)
    tasks = []
    for platform in SCREENSPOT_PLATFORMS:
        path = root / f"screenspot_{platform}{suffix}.json"
        if not path.exists():
            continue
        for index, row in enumerate(json.loads(path.read_text())):
            image_path = image_dir / row["img_filename"]
            width, height = _image_size(image_path)
            box = to_proportions(xywh_to_xyxy(row["bbox"]), width, height)
            tasks.append(_task(env_id, split, f"{source}-{platform}-{index}", row["instruction"],
                               image_path, box, (width, height), row["data_type"], {
                                   "platform": platform, "data_source": row.get("data_source"),
                                   "category": f"{platform}/{row['data_type']}"}, source))
    if not tasks:
        raise FileNotFoundError(f"{source}: no screenspot_*{suffix}.json under {root}")
    return tasks


def _task(env_id: str, split: str, id: str, instruction: str, image_path: Path,
          box: tuple[float, ...], size: tuple[int, int], data_type: str,
          extra: dict[str, Any], source: str) -> Task:
    return Task(id=f"{env_id}-{id}", env_id=env_id, split=split, instruction=instruction,
                metadata={"source": source, "image_path": str(image_path), "box": list(box),
                          "image_size": list(size), "data_type": data_type,
                          "screen_id": f"{source}:{image_path}", **extra})


def load_screenspot(root: str | Path, images: str | Path | None = None, *,
                    env_id: str = "gui-grounding", split: str = "heldout") -> list[Task]:
    """ScreenSpot's tasks from ``root`` (annotation JSONs; images in ``images`` or
    ``root/images``); categories ``<platform>/<data_type>``."""
    return _screenspot(Path(root), images, "", "screenspot", env_id, split)


def load_screenspot_v2(root: str | Path, images: str | Path | None = None, *,
                       env_id: str = "gui-grounding", split: str = "heldout") -> list[Task]:
    """ScreenSpot-v2's tasks (``screenspot_*_v2.json``), as `load_screenspot`."""
    return _screenspot(Path(root), images, "_v2", "screenspot_v2", env_id, split)


def load_screenspot_pro(root: str | Path, images: str | Path | None = None, *,
                        env_id: str = "gui-grounding", split: str = "heldout") -> list[Task]:
    """ScreenSpot-Pro's tasks from ``root/annotations/*.json`` (images under ``images`` or
    ``root/images``); categories ``<group>/<ui_type>``, plus ``application``."""
    root = Path(root)
    image_dir = Path(images) if images is not None else root / "images"
    files = sorted((root / "annotations").glob("*.json"))
    if not files:
        raise FileNotFoundError(f"screenspot_pro: no annotations/*.json under {root}")
    tasks = []
    for path in files:
        for index, row in enumerate(json.loads(path.read_text())):
            width, height = row["img_size"]
            box = to_proportions(row["bbox"], width, height)
            row_id = row.get("id", f"{path.stem}-{index}")
            tasks.append(_task(env_id, split, f"screenspot_pro-{row_id}", row["instruction"],
                               image_dir / row["img_filename"], box, (width, height),
                               row["ui_type"], {
                                   "platform": row.get("platform"), "group": row["group"],
                                   "application": row.get("application"),
                                   "category": f"{row['group']}/{row['ui_type']}"},
                               "screenspot_pro"))
    return tasks


LOADERS: dict[str, Callable[..., list[Task]]] = {
    "screenspot": load_screenspot,
    "screenspot_v2": load_screenspot_v2,
    "screenspot_pro": load_screenspot_pro,
}
