"""`TextWorldEnv`: Microsoft TextWorld games behind agentrl's episode API.

One game runs at a time in TextWorld's Z-machine backend (Jericho); resetting to the same
game reuses the running interpreter. Each step reports the admissible commands (sorted) as
``available_actions``, the normalised score gained as reward (see `reward`), ``success`` =
the game is won, and a `state_key` over room, inventory and room description (see `state`).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import textworld

from agentrl.core.env import Env
from agentrl.core.types import STANDARD_SPLITS, EnvSpec, Observation, StepResult, Task
from agentrl.environments.textworld import reward, state, tasks, text
from agentrl.environments.textworld.data import load_games_dir
from agentrl.environments.textworld.oracle import oracle_actions

DESCRIPTION = (
    "You are playing a text adventure game. Read the objective and the room description, "
    "then act with one short command per turn, such as 'go north', 'open box', "
    "'take key from box', 'put key on table' or 'look'. The admissible commands are listed."
)
CUSTOM_MAX_TURNS = 50
# What the interpreter reports each step. Facts (room, inventory) are tracked whenever
# admissible commands are, so no extra request is needed for them.
# TextWorld parses game logic with a grammar that is not thread-safe, so loading a game is
# serialised. Resetting and stepping run in parallel: each env's interpreter is its own
# copy of the frotz library (Jericho loads one per env) and its calls release the GIL.
_LOAD_LOCK = threading.Lock()

REQUESTED_INFOS = textworld.EnvInfos(
    admissible_commands=True,
    score=True,
    max_score=True,
    won=True,
    lost=True,
    description=True,
    objective=True,
)



class TextWorldEnv(Env):
    """TextWorld games as an agentrl env (its interpreter is native: `native_engine`).

    Args:
        difficulty: ``easy``, ``medium`` or ``hard`` (see `tasks.DIFFICULTIES`) for
            generated games; ignored with ``games_dir``.
        games_dir: a folder of your own TextWorld games (``*.z8`` + ``.json``), split by a
            hash of the file name (see `data`). None: generated games.
        max_turns: turn limit; None takes the difficulty's (50 for ``games_dir``).
        tasks_per_split: generated games per split: an int for every split or a mapping
            such as ``{"train": 100}``; None: 32 / 8 / 16 for train / valid / heldout.
            With ``games_dir``, a cap on each split (None: every game).
    """

    native_engine = True  # the Z-machine interpreter (frotz) runs inside this process

    def __init__(
        self,
        difficulty: str = "easy",
        games_dir: str | Path | None = None,
        max_turns: int | None = None,
        tasks_per_split: int | dict[str, int] | None = None,
    ) -> None:
        level = tasks.get_difficulty(difficulty)
        self.difficulty = difficulty
        self.games_dir = Path(games_dir) if games_dir is not None else None
        self._counts = tasks.resolve_counts(tasks_per_split)
        self._cap = tasks_per_split is not None
        if max_turns is None:
            max_turns = CUSTOM_MAX_TURNS if self.games_dir else level.max_turns
        self.spec = EnvSpec(id=tasks.ENV_ID, max_turns=max_turns, description=DESCRIPTION,
                            step_rewards_include_outcome=True)  # score steps sum to 1 on a win
        self._tasks: dict[str, list[Task]] = {}
        self._game: Any = None  # the running textworld Environment
        self._game_file: str | None = None
        self._names: dict[str, str] = {}
        self._admissible: list[str] = []
        self._last_state: Any = None
        self._key_parts: tuple[str, list[str], str] | None = None
        self._key = ""
        self._score = 0
        self._turn = 0
        self._done = True

    def tasks(self, split: str) -> Sequence[Task]:
        """The tasks of ``split``, generating (and caching) missing games on first use."""
        if split not in STANDARD_SPLITS:
            raise ValueError(
                f"textworld: unknown split {split!r}; splits: {', '.join(STANDARD_SPLITS)}"
            )
        if split not in self._tasks:
            if self.games_dir is None:
                found = tasks.generated_tasks(self.difficulty, split, self._counts[split])
            else:
                found = load_games_dir(self.games_dir, split)
                found = found[: self._counts[split]] if self._cap else found
            self._tasks[split] = found
        return self._tasks[split]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Start ``task`` (default: train task ``seed % len(train)``); games are deterministic."""
        task = task or self._default_task(seed)
        game_file = task.metadata.get("game_file")
        if not game_file:
            raise ValueError(f"textworld: task {task.id!r} has no metadata['game_file']")
        if game_file != self._game_file:
            with _LOAD_LOCK:
                self._start(str(game_file))
        game_state = self._game.reset()
        self._names = self._names or state.entity_names(game_state["game"])
        self._score = game_state["score"] or 0
        self._turn = 0
        self._done = False
        return self._observation(game_state, text.clean_feedback(game_state.feedback))

    def step(self, action: str) -> StepResult:
        """Send one command; invalid ones are answered by the game (or refused), never raised."""
        if self._game is None or self._done:
            raise RuntimeError("textworld: the episode is over (or not started); call reset()")
        self._turn += 1
        command = text.sanitize_action(action)
        refused = text.refusal(command)
        if refused is None:
            valid = command.lower() in {c.lower() for c in self._admissible}
            game_state, _, _ = self._game.step(command)
            feedback = text.clean_feedback(game_state.feedback)
        else:
            valid, game_state, feedback = False, self._last_state, refused
        gained = reward.score_reward(self._score, game_state["score"], game_state["max_score"])
        self._score = game_state["score"]
        won, lost = bool(game_state["won"]), bool(game_state["lost"])
        truncated = not (won or lost) and self._turn >= self.spec.max_turns
        self._done = won or lost or truncated
        info: dict[str, Any] = {
            "success": won,
            "action_valid": valid,
            "reward_components": {"score": gained},
            "score": self._score,
            "max_score": game_state["max_score"],
        }
        if self._done:
            info["outcome_reward"] = reward.outcome_reward(won)
        return StepResult(
            observation=self._observation(game_state, feedback),
            reward=gained,
            terminated=won or lost,
            truncated=truncated,
            info=info,
        )

    def demonstration(self, task: Task) -> list[str] | None:
        """The game's walkthrough (`oracle.oracle_actions`)."""
        return oracle_actions(task)

    def close(self) -> None:
        """Stop the interpreter; safe to call twice."""
        if self._game is not None:
            self._game.close()
        self._game = None
        self._game_file = None
        self._done = True

    def _default_task(self, seed: int | None) -> Task:
        train = self.tasks("train")
        if not train:
            raise ValueError("textworld: the train split is empty; pass a task to reset()")
        return train[(seed or 0) % len(train)]

    def _start(self, game_file: str) -> None:
        self.close()
        if not Path(game_file).exists():
            raise FileNotFoundError(f"textworld: game file {game_file!r} does not exist")
        with warnings.catch_warnings():
            # Jericho warns that it cannot detect score on TextWorld games; TextWorld does.
            warnings.filterwarnings("ignore", message=".*is not fully supported")
            self._game = textworld.start(game_file, request_infos=REQUESTED_INFOS)
        self._game_file = game_file
        self._names = {}

    def _observation(self, game_state: Any, feedback: str) -> Observation:
        self._last_state = game_state
        self._admissible = list(game_state["admissible_commands"] or [])
        location, inventory = state.location_and_inventory(game_state["_facts"], self._names)
        parts = (location, inventory, game_state["description"] or "")
        if parts != self._key_parts:  # most steps leave the situation unchanged
            self._key_parts, self._key = parts, state.state_key(*parts)
        return Observation(
            text=feedback,
            available_actions=[] if self._done else self._admissible,
            state_key=self._key,
        )
