"""A tiny OpenEnv server for the adapter's tests: guess a number from 1 to 20 in 5 tries.

Written with openenv-core's own server classes (`Environment`, `Action`, `Observation`,
`State`, `create_app`) and served by uvicorn:
``python guess_server.py PORT MAX_SESSIONS``. The target is drawn from the reset seed, so a
seeded reset is deterministic. A guess of 0 makes the env raise (an execution error).
"""

from __future__ import annotations

import random
import sys
from typing import Any

from openenv.core.env_server import Action, Environment, Observation, State, create_app
from pydantic import Field

MAX_GUESSES = 5


class GuessAction(Action):
    """One guess."""

    guess: int = Field(description="Your guess, an integer from 1 to 20.")


class GuessObservation(Observation):
    """What the guesser learns."""

    feedback: str = Field(default="", description="Higher, lower, or correct.")
    guesses_left: int = Field(default=MAX_GUESSES, description="Guesses remaining.")


class GuessState(State):
    """Server-side state; ``target`` is hidden from the agent."""

    target: int = 0


class GuessEnvironment(Environment):
    """Guess the number; reward 1 on the right guess, 0 otherwise."""

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(self) -> None:
        super().__init__()
        self._state = GuessState()

    def reset(self, seed: int | None = None, episode_id: str | None = None,
              **kwargs: Any) -> GuessObservation:
        """Draw the target from ``seed``."""
        target = random.Random(seed).randint(1, 20)
        self._state = GuessState(episode_id=episode_id, step_count=0, target=target)
        return GuessObservation(feedback="I picked a number from 1 to 20.")

    def step(self, action: GuessAction, timeout_s: float | None = None,
             **kwargs: Any) -> GuessObservation:
        """Compare the guess with the target."""
        if action.guess == 0:
            raise ValueError("0 is not a number I could have picked")
        self._state.step_count += 1
        left = MAX_GUESSES - self._state.step_count
        if action.guess == self._state.target:
            return GuessObservation(feedback="correct", guesses_left=left, done=True, reward=1.0)
        hint = "higher" if action.guess < self._state.target else "lower"
        return GuessObservation(feedback=hint, guesses_left=left, done=left <= 0, reward=0.0)

    @property
    def state(self) -> GuessState:
        """The episode's state."""
        return self._state


def build_app(max_sessions: int) -> Any:
    """The FastAPI app serving `GuessEnvironment`."""
    return create_app(GuessEnvironment, GuessAction, GuessObservation, env_name="guess",
                      max_concurrent_envs=max_sessions)


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(build_app(int(sys.argv[2])), host="127.0.0.1", port=int(sys.argv[1]),
                log_level="warning")
