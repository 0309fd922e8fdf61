"""What an ALFWorld agent can know, digested into `Observation.state_key`.

The key covers the task, where the agent stands, what it holds (with the states it gave
those objects) and, for every receptacle it has looked into, whether it is open and what
it contained when last seen. Two steps share a key exactly when an agent with perfect
memory of its own episode could not tell them apart: what GiGPO's anchor states need.
"""

from __future__ import annotations

from agentrl.core.env import digest_state
from agentrl.environments.alfworld.reward import Fact

OBJECT_STATES = ("ishot", "iscool", "isclean", "istoggled")


class Knowledge:
    """Accumulates the agent's view of one episode from the engine's facts."""

    def __init__(self, instruction: str) -> None:
        self.instruction = instruction
        self.location = "middle of the room"
        self.holding: tuple[str, ...] = ()
        self.seen: dict[str, tuple[str, tuple[str, ...]]] = {}

    def observe(self, facts: frozenset[Fact]) -> None:
        """Update from the facts after a reset or a step."""
        by_predicate: dict[str, list[Fact]] = {}
        for fact in facts:
            by_predicate.setdefault(fact[0], []).append(fact)
        states = {(f[0], f[1]) for p in OBJECT_STATES for f in by_predicate.get(p, ())}

        def described(obj: str) -> str:
            return " ".join([obj, *(p for p in OBJECT_STATES if (p, obj) in states)])

        self.holding = tuple(sorted(described(f[2]) for f in by_predicate.get("holds", ())))
        here = {f[2] for f in by_predicate.get("atlocation", ())}
        receptacles = [f[1] for f in by_predicate.get("receptacleatlocation", ()) if f[2] in here]
        if not receptacles:
            self.location = "middle of the room"
            return
        recep = self.location = receptacles[0]
        openable = ("openable", recep) in {(f[0], f[1]) for f in by_predicate.get("openable", ())}
        opened = any(f[1] == recep for f in by_predicate.get("opened", ()))
        if openable and not opened:
            _, last_seen = self.seen.get(recep, ("closed", ()))
            self.seen[recep] = ("closed", last_seen)
            return
        contents = sorted(
            described(f[1]) for f in by_predicate.get("inreceptacle", ()) if f[2] == recep
        )
        self.seen[recep] = ("open" if openable else "visible", tuple(contents))

    def key(self) -> str:
        """The digest of everything above."""
        return digest_state(self.instruction, self.location, self.holding, self.seen)
