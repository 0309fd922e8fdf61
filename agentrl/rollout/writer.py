"""Trajectories as JSONL: appended and flushed one by one, as episodes finish.

Screenshots are not inlined: each distinct image of an observation is written once, as
``images/<sha256>.png`` beside the JSONL, and the line holds ``image-file:images/<sha>.png``
in its place; `read_trajectories` puts the base64 PNG back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agentrl.core.types import Trajectory

IMAGE_REF = "image-file:"  # an observation image stored as a file beside the JSONL
IMAGE_DIR = "images"


def _observations(data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for turn in data.get("turns", []):
        yield turn["observation"]
    if data.get("final_observation"):
        yield data["final_observation"]


def store_images(data: dict[str, Any], root: Path) -> bool:
    """Replace the observations' base64 images of a dumped trajectory by references to
    content-addressed files under ``root/images``; True when there were any."""
    found = False
    for observation in _observations(data):
        refs = []
        for image in observation.get("images", []):
            raw = base64.b64decode(image)
            name = f"{IMAGE_DIR}/{hashlib.sha256(raw).hexdigest()}.png"
            path = root / name
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(raw)
                tmp.replace(path)
            refs.append(IMAGE_REF + name)
            found = True
        if refs:
            observation["images"] = refs
    return found


def load_images(data: dict[str, Any], root: Path) -> None:
    """The inverse of `store_images`: references become base64 PNGs again."""
    for observation in _observations(data):
        observation["images"] = [
            base64.b64encode((root / image[len(IMAGE_REF):]).read_bytes()).decode("ascii")
            if image.startswith(IMAGE_REF) else image
            for image in observation.get("images", [])
        ]


class TrajectoryWriter:
    """Appends each trajectory as one JSON line and flushes it at once (thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, trajectory: Trajectory) -> None:
        has_images = any(t.observation.images for t in trajectory.turns) or bool(
            trajectory.final_observation and trajectory.final_observation.images)
        if has_images:
            data = trajectory.model_dump(mode="json")
            store_images(data, self.path.parent)
            line = json.dumps(data, separators=(",", ":"))
        else:
            line = trajectory.model_dump_json()
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def read_trajectories(path: str | Path) -> Iterator[Trajectory]:
    """Yield the trajectories of a JSONL file; a torn last line (killed run) is skipped.

    Images stored as files beside the JSONL are read back into the observations.
    """
    path = Path(path)
    with path.open(encoding="utf-8") as file:
        for line in file:
            if not line.strip():
                continue
            try:
                if IMAGE_REF in line:
                    data = json.loads(line)
                    load_images(data, path.parent)
                    yield Trajectory.model_validate(data)
                else:
                    yield Trajectory.model_validate_json(line)
            except ValueError:
                if line.endswith("\n"):
                    raise
