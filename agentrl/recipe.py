"""Deprecated: the recipe schema moved to `agentrl.run.recipe` (kept for one release)."""

from agentrl._deprecated import moved
from agentrl.run.recipe import Recipe, RecipeError, load_recipe

moved("agentrl.recipe", "agentrl.run.recipe")

__all__ = ["Recipe", "RecipeError", "load_recipe"]
