"""A shipped GUI recipe shrunk to a test's size: few screens, one iteration, a CPU model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

RECIPES = Path(__file__).resolve().parents[3] / "recipes"


@pytest.fixture
def shrunk_gui_recipe(tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """``shrink(name, policy, screens, **env_kwargs)``: recipes/NAME as a dict with those
    screens per split, the policy, group size 2, one iteration of 2 tasks, a 2-task eval,
    and the cache and run directory under the test's tmp_path."""
    def shrink(name: str, policy: dict[str, Any], screens: dict[str, int],
               **env_kwargs: Any) -> dict[str, Any]:
        pytest.importorskip("playwright.sync_api")
        recipe = yaml.safe_load((RECIPES / name).read_text())
        recipe["env"]["kwargs"].update(screens=screens, cache_dir=str(tmp_path / "cache"),
                                       **env_kwargs)
        recipe["policy"] = policy
        recipe["rollout"]["group_size"] = 2
        recipe["trainer"] = {"iterations": 1, "tasks_per_iteration": 2}
        recipe["eval"]["num_tasks"] = 2
        recipe["logging"] = {"run_dir": str(tmp_path), "tensorboard": False,
                             "progress": False}
        return recipe

    return shrink
