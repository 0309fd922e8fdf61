"""What both GUI envs share: options, tasks per split (synthetic or a real benchmark), scenes."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

from agentrl.core.env import Env
from agentrl.core.types import STANDARD_SPLITS, Task
from agentrl.environments.gui.coords import MAX_PIXELS, MIN_PIXELS
from agentrl.environments.gui.real_data import LOADERS
from agentrl.environments.gui.render import ScreenCache
from agentrl.environments.gui.scene import Scene, SceneLoader
from agentrl.environments.gui.tasks import synthetic_tasks

DEFAULT_SCREENS = {"train": 48, "valid": 8, "heldout": 16}
OBSERVATIONS = ("image", "a11y")
COORDINATES = ("absolute", "normalised")


class GuiEnvBase(Env):
    """Tasks and scenes for the GUI envs.

    Args:
        observation: ``"image"`` (the smart-resized screenshot) or ``"a11y"`` (the
            accessibility tree as text, actions ``click(id)``).
        coordinates: ``"absolute"`` pixels of the resized image (Qwen2.5-VL) or
            ``"normalised"`` 0-1000 (Qwen2-VL, Qwen3-VL).
        min_pixels / max_pixels: smart_resize's bounds.
        screens: generated screens per split (int for all, or a dict by split).
        targets_per_screen: tasks drawn per screen.
        data_format / data_path / images_path: a real benchmark (``screenspot``,
            ``screenspot_v2``, ``screenspot_pro``) whose tasks form the heldout split.
        cache_dir: where rendered screens are stored (default the agentrl cache).
        seed: seed of the generated screens.
    """

    env_id = "gui"

    def __init__(self, observation: str = "image", coordinates: str = "absolute",
                 min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS,
                 screens: int | dict[str, int] | None = None, targets_per_screen: int = 4,
                 data_format: str | None = None, data_path: str | None = None,
                 images_path: str | None = None, cache_dir: str | None = None,
                 seed: int = 0) -> None:
        if observation not in OBSERVATIONS:
            raise ValueError(f"observation={observation!r}; use one of {OBSERVATIONS}")
        if coordinates not in COORDINATES:
            raise ValueError(f"coordinates={coordinates!r}; use one of {COORDINATES}")
        if data_format is not None and data_format not in LOADERS:
            raise ValueError(f"data_format={data_format!r}; use one of {', '.join(LOADERS)}")
        if (data_format is None) != (data_path is None):
            raise ValueError("data_format and data_path go together")
        if data_format is not None and observation == "a11y":
            raise ValueError("observation='a11y' needs generated screens; real benchmarks "
                             "have no accessibility tree")
        counts = dict(DEFAULT_SCREENS)
        if isinstance(screens, int):
            counts = dict.fromkeys(STANDARD_SPLITS, screens)
        elif screens:
            counts.update(screens)
        self.observation, self.coordinates = observation, coordinates
        self.screens, self.targets_per_screen, self.seed = counts, targets_per_screen, seed
        self.data = (data_format, data_path, images_path) if data_format else None
        self.scenes = SceneLoader(ScreenCache(Path(cache_dir) if cache_dir else None),
                                  min_pixels, max_pixels)
        self._tasks: dict[str, list[Task]] = {}
        self._tasks_lock = threading.Lock()

    def tasks(self, split: str) -> Sequence[Task]:
        """The tasks of ``split``: generated screens', or the real benchmark's as heldout."""
        if split not in STANDARD_SPLITS:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(STANDARD_SPLITS)}")
        with self._tasks_lock:
            if split not in self._tasks:
                if self.data is not None and split == "heldout":
                    fmt, path, images = self.data
                    self._tasks[split] = LOADERS[fmt](path, images, env_id=self.spec.id)
                else:
                    self._tasks[split] = synthetic_tasks(
                        self.spec.id, split, self.screens[split], self.targets_per_screen,
                        self.scenes.cache, self.seed)
            return self._tasks[split]

    def _scene_for(self, task: Task | None, seed: int | None) -> tuple[Task, Scene]:
        if task is None:
            train = self.tasks("train")
            if not train:
                raise ValueError("gui: the train split has no tasks")
            task = train[(seed or 0) % len(train)]
        return task, self.scenes.load(task)

    def coordinate_note(self, scene: Scene) -> str:
        """How the model should write coordinates for ``scene``."""
        if self.coordinates == "absolute":
            return f"The screen's resolution is {scene.width}x{scene.height}."
        return "Coordinates are normalised to 0-1000 on each axis (0,0 top left)."
