"""Every recipe shipped in recipes/ validates, names registered components, and (for the
CPU-sized ones) passes the pre-flight checks against its real env."""

from __future__ import annotations

from pathlib import Path

import pytest

from agentrl.credit import list_advantages, list_shapings
from agentrl.run.preflight import check_recipe
from agentrl.run.recipe import load_recipe

RECIPES = sorted((Path(__file__).resolve().parents[1] / "recipes").rglob("*.yaml"))
CPU_RECIPES = [p for p in RECIPES if "gpu" not in p.stem and p.parent.name == "recipes"
               and "device: cuda" not in p.read_text()]


def test_recipes_are_shipped():
    assert {p.stem for p in RECIPES} >= {
        "textworld-grpo", "textworld-grpo-gpu", "alfworld-grpo", "alfworld-gigpo",
        "webshop-grpo", "webshop-gigpo", "swe-grpo", "swe-grpo-gated", "search-qa-grpo",
        "search-qa-igpo",
    }


@pytest.mark.parametrize("path", RECIPES, ids=lambda p: p.stem)
def test_recipe_validates_and_names_registered_components(path: Path):
    recipe = load_recipe(path)
    assert recipe.algorithm.advantage in list_advantages()
    assert set(recipe.algorithm.shaping) <= set(list_shapings())


@pytest.mark.slow
@pytest.mark.parametrize("path", CPU_RECIPES, ids=lambda p: p.stem)
def test_cpu_recipe_passes_preflight_on_its_real_env(path: Path):
    check_recipe(load_recipe(path)).close()
