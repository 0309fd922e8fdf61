"""What the checks share: `CheckContext` (the env, the seed, the first tasks, the scripted
episodes played once) and the helpers that play and describe them."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from agentrl.core.env import Env
from agentrl.core.types import StepResult, Task

FALLBACK_ACTION = "look"  # sent when an observation lists no available actions
STEP_TIMEOUT_S = 60.0  # a hostile step that takes longer counts as a hang


@dataclass
class Episode:
    """One recorded episode of the checker's scripted play."""

    task: Task | None
    first: Any
    steps: list[Any] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ended(self) -> bool:
        """Whether the last recorded step terminated or truncated the episode."""
        last = self.steps[-1] if self.steps else None
        return isinstance(last, StepResult) and (last.terminated or last.truncated)



class CheckContext:
    """What the checks share: the seed, the first task, and the recorded episodes (run once)."""

    def __init__(self, env: Env, seed: int, max_episodes: int,
                 step_timeout_s: float = STEP_TIMEOUT_S) -> None:
        self.env = env
        self.seed = seed
        self.max_episodes = max_episodes
        self.step_timeout_s = step_timeout_s
        self.hung = False  # set when a step never returned: the env must not be used again
        self.warnings: list[str] = []
        self._episodes: list[Episode] | None = None
        self._tasks: list[Task | None] | None = None

    def first_tasks(self) -> list[Task | None]:
        """``max_episodes`` tasks of the first split that has any (None: the env's default).

        When ``tasks()`` fails, the episodes use the default task; check_tasks reports it.
        """
        if self._tasks is None:
            self._tasks = [None] * max(1, self.max_episodes)
            for split in self.env.spec.splits:
                try:
                    tasks = [t for t in self.env.tasks(split) if isinstance(t, Task)]
                except Exception:
                    break
                if tasks:
                    self._tasks = [tasks[i % len(tasks)] for i in range(len(self._tasks))]
                    break
        return self._tasks

    def episodes(self) -> list[Episode]:
        """The scripted episodes, played on first use and then reused by every check."""
        if self._episodes is None:
            self._episodes = [
                play_episode(self.env, task, self.seed + index)
                for index, task in enumerate(self.first_tasks())
            ]
        return self._episodes



def describe(error: BaseException, limit: int = 240) -> str:
    """``"Type: message"`` on one line, cut to ``limit`` characters."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."



def choose_action(observation: Any, rng: random.Random) -> str:
    """An admissible action when the observation lists some, else a plain string."""
    actions = getattr(observation, "available_actions", None)
    if isinstance(actions, list) and actions:
        return str(rng.choice(actions))
    return FALLBACK_ACTION



def play_episode(env: Env, task: Task | None, seed: int) -> Episode:
    """Reset and step until the episode ends or ``max_turns + 1`` steps; record everything."""
    rng = random.Random(seed)
    episode = Episode(task=task, first=None)
    try:
        episode.first = env.reset(task, seed=seed)
        observation = episode.first
        for _ in range(env.spec.max_turns + 1):
            action = choose_action(observation, rng)
            result = env.step(action)
            episode.actions.append(action)
            episode.steps.append(result)
            if not isinstance(result, StepResult) or result.terminated or result.truncated:
                break
            observation = result.observation
    except Exception as error:  # reported by check_episode_runs
        episode.error = describe(error)
    return episode
