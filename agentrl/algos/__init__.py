"""Advantage estimators, reward shapings, losses and the trainer."""

from agentrl.algos.registry import (
    get_advantage,
    get_shaping,
    list_advantages,
    list_shapings,
    register_advantage,
    register_shaping,
)

__all__ = [
    "get_advantage",
    "get_shaping",
    "list_advantages",
    "list_shapings",
    "register_advantage",
    "register_shaping",
]
