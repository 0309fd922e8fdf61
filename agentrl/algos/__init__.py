"""Deprecated: the registries moved to `agentrl.credit` (kept for one release)."""

from agentrl._deprecated import moved
from agentrl.credit import (
    get_advantage,
    get_shaping,
    list_advantages,
    list_shapings,
    register_advantage,
    register_shaping,
)

moved("agentrl.algos", "agentrl.credit")

__all__ = [
    "get_advantage",
    "get_shaping",
    "list_advantages",
    "list_shapings",
    "register_advantage",
    "register_shaping",
]
