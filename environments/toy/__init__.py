"""Tiny deterministic envs for tests, demos and docs: a corridor, and the credit lab's fork
(a decisive early choice, dead-end wings) and its chain control."""

from agentrl.core.registry import register
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.environments.toy.fork import ChainEnv, ForkEnv

register("toy/corridor", "agentrl.environments.toy.corridor:CorridorEnv",
         gym_id="agentrl/Corridor-v0")
register("toy/fork", "agentrl.environments.toy.fork:ForkEnv")
register("toy/chain", "agentrl.environments.toy.fork:ChainEnv")

__all__ = ["ChainEnv", "CorridorEnv", "ForkEnv"]
