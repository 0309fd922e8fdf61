"""Task generation: seeded screens per split, targets picked among their visible elements.

Train and valid draw layouts from `TRAIN_LAYOUTS` and themes from `TRAIN_THEMES` (different
seeds); heldout draws from `HELDOUT_LAYOUTS` and `HELDOUT_THEMES` only, so heldout screens
look like nothing seen in training. A task's ``metadata`` holds what the env needs to rebuild
it: the screen spec, the target's gid and box (proportions of the screenshot), its ScreenSpot
``data_type`` and ``platform``, and ``category`` = ``"<platform>/<data_type>"``.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from agentrl.core.splits import split_seed
from agentrl.core.types import Task
from agentrl.environments.gui.coords import to_proportions
from agentrl.environments.gui.layouts import HELDOUT_LAYOUTS, LAYOUTS, TRAIN_LAYOUTS
from agentrl.environments.gui.render import RenderedScreen, ScreenCache
from agentrl.environments.gui.screens import DENSITIES, VIEWPORTS, ScreenSpec

TRAIN_THEMES = ("light", "dark", "ocean", "forest")
HELDOUT_THEMES = ("sepia", "contrast")
SPLIT_POOLS = {
    "train": (TRAIN_LAYOUTS, TRAIN_THEMES),
    "valid": (TRAIN_LAYOUTS, TRAIN_THEMES),
    "heldout": (HELDOUT_LAYOUTS, HELDOUT_THEMES),
}


def screen_spec(split: str, index: int, seed: int = 0) -> ScreenSpec:
    """The ``index``-th screen of ``split`` (layout, platform, size, theme, density)."""
    layouts, themes = SPLIT_POOLS[split]
    rng = random.Random(split_seed("gui", split, index) + 7919 * seed)
    layout = rng.choice(layouts)
    platform = rng.choice(LAYOUTS[layout].platforms)
    width, height = rng.choice(VIEWPORTS[platform])
    return ScreenSpec(layout=layout, theme=rng.choice(themes), density=rng.choice(list(DENSITIES)),
                      platform=platform, width=width, height=height, seed=rng.randrange(10**9))


def unambiguous_targets(screen: RenderedScreen) -> list[dict[str, Any]]:
    """Visible targets an instruction names without doubt.

    An instruction must be unique on the screen; a generic one ("click the star icon")
    also needs the element's name to be unique among the visible nodes.
    """
    targets = screen.targets()
    instructions = Counter(t["instruction"].lower() for t in targets)
    names = Counter(node["name"].lower() for node in screen.nodes)
    return [t for t in targets if instructions[t["instruction"].lower()] == 1
            and (t["specific"] or names[t["name"].lower()] == 1)]


def screen_tasks(env_id: str, split: str, index: int, screen: RenderedScreen,
                 per_screen: int) -> list[Task]:
    """Up to ``per_screen`` tasks on one rendered screen, targets chosen by its seed."""
    spec = screen.spec
    candidates = unambiguous_targets(screen)
    chosen = random.Random(spec.seed).sample(candidates, min(per_screen, len(candidates)))
    tasks = []
    for number, target in enumerate(chosen):
        tasks.append(Task(
            id=f"{env_id}-{split}-{index}-{number}",
            env_id=env_id,
            split=split,
            instruction=target["instruction"],
            ground_truth=target["name"],
            metadata={
                "source": "synthetic",
                "screen": spec.model_dump(),
                "screen_id": spec.id,
                "gid": target["gid"],
                "box": list(to_proportions(target["box"], screen.width, screen.height)),
                "image_size": [screen.width, screen.height],
                "data_type": target["data_type"],
                "platform": spec.platform,
                "category": f"{spec.platform}/{target['data_type']}",
            },
        ))
    return tasks


def synthetic_tasks(env_id: str, split: str, screens: int, per_screen: int,
                    cache: ScreenCache, seed: int = 0) -> list[Task]:
    """The tasks of ``screens`` generated screens of ``split`` (rendered or from the cache)."""
    if split not in SPLIT_POOLS:
        raise ValueError(f"unknown split {split!r}; splits: {', '.join(SPLIT_POOLS)}")
    tasks: list[Task] = []
    for index in range(screens):
        screen = cache.get(screen_spec(split, index, seed))
        tasks.extend(screen_tasks(env_id, split, index, screen, per_screen))
    return tasks
