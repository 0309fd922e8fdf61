"""ALFWorld's own experts on agentrl's engine states.

`HandCodedExpert` drives ``alfworld.agents.expert.HandCodedTWAgent`` (the expert ALFWorld's
DAgger agents imitate) the way ALFWorld's ``AlfredExpert`` wrapper does: it observes the
intro, then after every step proposes the next command, falling back to "look" when its
proposal is not admissible. It is told of a "move X to Y" as "put X to Y", the verb it
was written for (ALFWorld 0.4 renamed the command). Its random choices come from a
seeded generator, so a seeded episode repeats. The planner expert is fast-downward's
plan (`AlfredEngine.plan`).
"""

from __future__ import annotations

import random
import threading
from typing import Any

import alfworld.agents.expert.handcoded_expert as handcoded_module
from alfworld.agents.expert import HandCodedTWAgent

_RANDOM_LOCK = threading.Lock()


class HandCodedExpert:
    """ALFWorld's hand-coded expert for one episode of one game file."""

    def __init__(self, game_file: str, seed: int = 0, max_steps: int = 200) -> None:
        self._agent = HandCodedTWAgent(max_steps=max_steps)
        self._agent.reset(game_file)  # reads traj_data.json beside the game file
        self._rng = random.Random(seed)
        self._started = False

    def _call(self, fn: Any, *args: Any) -> Any:
        # The expert calls module-level `random.choice`; route it to our seeded generator.
        with _RANDOM_LOCK:
            saved = handcoded_module.random
            handcoded_module.random = self._rng
            try:
                return fn(*args)
            finally:
                handcoded_module.random = saved

    def act(self, state: Any, last_command: str | None) -> str:
        """Next command after ``state`` (reached by ``last_command``; None for the intro)."""
        if not self._started:
            self._started = True
            self._call(self._agent.observe, state["feedback"])
            return "look"
        last = last_command or ""
        if last.startswith("move "):
            # ALFWorld 0.4's grammar says "move X to Y" where the expert still tracks "put";
            # without this it never notices a put-down and loops on pick-two tasks.
            last = "put " + last.removeprefix("move ")
        action = self._call(self._agent.act, state, 0, state["won"], last)
        return action if action in state["admissible_commands"] else "look"
