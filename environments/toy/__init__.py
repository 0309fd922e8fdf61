"""A tiny deterministic env for tests, demos and docs: walk a corridor to the exit."""

from agentrl.core.registry import register
from agentrl.environments.toy.corridor import CorridorEnv

register("toy/corridor", "agentrl.environments.toy.corridor:CorridorEnv")

__all__ = ["CorridorEnv"]
