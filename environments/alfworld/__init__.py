"""ALFWorld households (Shridhar et al., 2021) on TextWorld's PDDL engine, fully offline.

Tasks are generated from the floor plans shipped in the ``alfworld`` package (all six task
types, deterministic train / valid_seen / valid_unseen / heldout splits), or loaded from
the original ``json_2.1.1`` release when ``$ALFWORLD_DATA`` points at it.
"""

from agentrl.core.registry import register
from agentrl.environments.alfworld.env import AlfWorldEnv

register("alfworld", "agentrl.environments.alfworld.env:AlfWorldEnv",
         gym_id="agentrl/ALFWorld-v0",
         preload=["agentrl.environments.alfworld.env"])  # env processes import it ahead

__all__ = ["AlfWorldEnv"]
