"""Credit assignment: reward shapings, advantage estimators and the critic, their registries
(`get_advantage`, `register_shaping`, …) and what each method needs."""

from agentrl.credit.registry import (
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
