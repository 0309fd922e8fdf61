"""`state_key` for TextWorld: what the agent can know, read from the game's facts.

The key digests the player's room, the sorted names of what they carry and the room's
description as ``look`` prints it (canonicalised). Room and inventory come from TextWorld's
tracked facts (``at(P, room)``, ``in(object, I)``), so they do not depend on how the game
words them; the description covers what is visible (open containers, items on supports).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from agentrl.core.env import digest_state
from agentrl.environments.textworld.text import canonical

PLAYER = "P"
INVENTORY = "I"


def entity_names(game: Any) -> dict[str, str]:
    """Map a TextWorld variable id (``r_0``, ``o_3``) to its name in the text."""
    return {key: info.name for key, info in game.infos.items() if info.name}


def location_and_inventory(facts: Iterable[Any], names: Mapping[str, str]) -> tuple[str, list[str]]:
    """The player's room name and the sorted names of what they carry, from the facts."""
    location = ""
    carried = []
    for fact in facts:
        if fact.name == "at" and fact.arguments[0].name == PLAYER:
            room = fact.arguments[1].name
            location = names.get(room, room)
        elif fact.name == "in" and fact.arguments[1].name == INVENTORY:
            item = fact.arguments[0].name
            carried.append(names.get(item, item))
    return location, sorted(carried)


def state_key(location: str, inventory: list[str], description: str) -> str:
    """Digest of (room, sorted inventory, canonical room description)."""
    return digest_state("textworld", location, inventory, canonical(description))
