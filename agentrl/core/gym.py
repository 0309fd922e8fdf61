"""Gymnasium adapters, both directions, and ``agentrl/<Name>-v0`` Gymnasium ids.

- `AgentrlToGym` shows any agentrl env as a ``gymnasium.Env`` with `Text` spaces.
- `GymToAgentrl` shows a ``gymnasium.Env`` with `Text` spaces as an agentrl `Env`.
- Gymnasium ids are declared by the env families themselves
  (``register(id, entry, gym_id="agentrl/Name-v0")``); the core names none. `GYM_IDS`
  maps each declared Gymnasium id to its agentrl id, and `register_gym_envs` registers them
  all with Gymnasium (both load every family). Importing this module registers, without
  importing any family, the ids that the families of the `agentrl.envs` entry-point group
  declare as literal strings (`declared_gym_ids` reads their source), so
  ``gymnasium.make("agentrl.core.gym:agentrl/Corridor-v0")`` works in a fresh process
  (Gymnasium imports the module before ``:``), and plain
  ``gymnasium.make("agentrl/Corridor-v0")`` works once ``agentrl`` was imported.

Spaces: observations and actions are `gymnasium.spaces.Text` over `TEXT_CHARSET` — printable
ASCII with tab, newline and carriage return, Latin-1 letters and signs, and common
typographic punctuation — with ``min_length=0``. Observations may hold up to
`MAX_OBSERVATION_CHARS` characters and actions up to `MAX_ACTION_CHARS` (a whole model reply
for tool-call envs). Text is passed through unchanged: a character outside the charset or an
over-long observation only makes ``observation_space.contains`` false, it is never altered.
"""

from __future__ import annotations

import ast
import importlib.util
import string
from collections.abc import Sequence
from importlib.metadata import entry_points
from typing import Any, SupportsFloat

import gymnasium
from gymnasium import spaces
from pydantic_core import to_jsonable_python

from agentrl.core.env import Env, EnvError, digest_state
from agentrl.core.registry import ENTRY_POINT_GROUP, gym_ids, make
from agentrl.core.splits import split_seed
from agentrl.core.types import EnvSpec, Observation, StepResult, Task

MAX_OBSERVATION_CHARS = 65_536
MAX_ACTION_CHARS = 16_384
TEXT_CHARSET = (
    string.printable
    + "".join(chr(c) for c in range(0xA0, 0x100))  # Latin-1: accented letters, £, °, ...
    + "".join(chr(c) for c in range(0x2010, 0x2028))  # dashes, quotes, bullets, ellipsis
    + "€™←↑→↓"
)

def text_space(max_length: int) -> spaces.Text:
    """A `Text` space over `TEXT_CHARSET`, empty strings allowed."""
    return spaces.Text(max_length, min_length=0, charset=TEXT_CHARSET)


class AgentrlToGym(gymnasium.Env[str, str]):
    """An agentrl env as a ``gymnasium.Env[str, str]``.

    ``reset(seed=..., options={"task": Task | task_id})`` returns ``(text, info)``; without a
    task, one of ``split``'s tasks is drawn with the Gymnasium RNG (so a seed fixes it).
    ``info`` carries ``available_actions``, ``state_key`` and ``task`` (the `Task`); after a
    step it also holds the agentrl step info (``success``, ``action_valid``, ...).
    ``env`` is an `Env` or a registered id / ``"module:Class"``, built with ``env_kwargs``.
    ``render_mode="ansi"`` makes `render` return the current observation text.
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        env: Env | str,
        split: str = "train",
        render_mode: str | None = None,
        **env_kwargs: Any,
    ) -> None:
        self.env = make(env, **env_kwargs) if isinstance(env, str) else env
        if split not in self.env.spec.splits:
            raise ValueError(
                f"split {split!r} is not offered by {self.env.spec.id!r}; "
                f"splits: {', '.join(self.env.spec.splits)}"
            )
        if render_mode not in (None, "ansi"):
            raise ValueError(f"render_mode {render_mode!r} is not supported; use None or 'ansi'")
        self.split = split
        self.render_mode = render_mode
        self.observation_space = text_space(MAX_OBSERVATION_CHARS)
        self.action_space = text_space(MAX_ACTION_CHARS)
        self._task: Task | None = None
        self._text = ""
        self._done = True

    def _choose_task(self, options: dict[str, Any] | None) -> Task:
        chosen = (options or {}).get("task")
        if isinstance(chosen, Task):
            return chosen
        tasks = list(self.env.tasks(self.split))
        if chosen is None:
            if not tasks:
                raise ValueError(f"split {self.split!r} of {self.env.spec.id!r} has no tasks")
            return tasks[int(self.np_random.integers(len(tasks)))]
        by_id = {task.id: task for task in tasks}
        if chosen not in by_id:
            raise ValueError(
                f"options['task']={chosen!r} is not a task id of split {self.split!r}; "
                f"e.g. {', '.join(list(by_id)[:3])}"
            )
        return by_id[chosen]

    def _info(self, observation: Observation) -> dict[str, Any]:
        return {
            "available_actions": observation.available_actions,
            "state_key": observation.state_key,
            "task": self._task,
        }

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[str, dict[str, Any]]:
        """Start an episode; see the class docstring for ``options``."""
        super().reset(seed=seed)
        self._task = self._choose_task(options)
        episode_seed = int(self.np_random.integers(2**31))
        observation = self.env.reset(self._task, seed=episode_seed)
        self._text, self._done = observation.text, False
        return observation.text, self._info(observation)

    def step(self, action: str) -> tuple[str, SupportsFloat, bool, bool, dict[str, Any]]:
        """Apply ``action``; returns ``(text, reward, terminated, truncated, info)``."""
        if self._done:
            raise RuntimeError("step() called before reset() or after the episode ended")
        result = self.env.step(action)
        self._text = result.observation.text
        self._done = result.terminated or result.truncated
        info = {**result.info, **self._info(result.observation)}
        return result.observation.text, result.reward, result.terminated, result.truncated, info

    def render(self) -> str | None:
        """The current observation text when ``render_mode == "ansi"``."""
        return self._text if self.render_mode == "ansi" else None

    def close(self) -> None:
        """Close the wrapped env (safe to call twice)."""
        self.env.close()


class GymToAgentrl(Env):
    """A ``gymnasium.Env`` whose spaces are `Text`, as an agentrl `Env`.

    Tasks are seeds: task ``i`` of a split resets the Gymnasium env with
    ``split_seed(env_id, split, i)``, so the task fixes the episode; ``reset(seed=...)``
    only picks a train task when no task is given. ``state_key`` is ``info["state_key"]``
    when the Gymnasium env gives one, else a digest of the observation text;
    ``available_actions`` likewise comes from ``info["available_actions"]``. An action
    outside the action space is not sent: the observation explains it and
    ``info["action_valid"]`` is False. ``success`` is ``info["success"]`` when given, else
    "terminated with a positive reward". Episodes are truncated after ``max_turns`` steps.
    """

    def __init__(
        self,
        gym_env: gymnasium.Env | str,
        env_id: str | None = None,
        max_turns: int = 20,
        tasks_per_split: int = 100,
    ) -> None:
        self.gym_env = gymnasium.make(gym_env) if isinstance(gym_env, str) else gym_env
        for name in ("observation_space", "action_space"):
            space = getattr(self.gym_env, name)
            if not isinstance(space, spaces.Text):
                raise TypeError(
                    f"GymToAgentrl needs Text spaces, but {name} is {space}; wrap the env so "
                    "that it reads and writes strings"
                )
        gym_spec = getattr(self.gym_env, "spec", None)
        env_id = env_id or (gym_spec.id if gym_spec else type(self.gym_env).__name__)
        self.spec = EnvSpec(id=env_id, max_turns=max_turns)
        self.tasks_per_split = tasks_per_split
        self._turn = 0
        self._done = True
        self._closed = False

    def tasks(self, split: str) -> Sequence[Task]:
        """``tasks_per_split`` seed tasks of ``split``."""
        if split not in self.spec.splits:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(self.spec.splits)}")
        return [
            Task(
                id=f"{self.spec.id}-{split}-{index}",
                env_id=self.spec.id,
                split=split,
                metadata={"seed": split_seed(self.spec.id, split, index)},
            )
            for index in range(self.tasks_per_split)
        ]

    def _observation(self, text: str, info: dict[str, Any]) -> Observation:
        actions = info.get("available_actions")
        return Observation(
            text=str(text),
            available_actions=[str(a) for a in actions] if actions is not None else None,
            state_key=str(info.get("state_key") or digest_state(text)),
        )

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Reset the Gymnasium env with the task's seed."""
        if task is None:
            train = self.tasks("train")
            task = train[(seed or 0) % len(train)]
        text, info = self.gym_env.reset(seed=int(task.metadata["seed"]))
        self._turn, self._done = 0, False
        return self._observation(text, info)

    def step(self, action: str) -> StepResult:
        """Send ``action`` to the Gymnasium env when its action space admits it."""
        if self._done:
            raise RuntimeError("step() called before reset() or after the episode ended")
        self._turn += 1
        if self.gym_env.action_space.contains(action):
            try:
                text, reward, terminated, truncated, info = self.gym_env.step(action)
            except Exception as error:
                raise EnvError(f"the Gymnasium env {self.spec.id!r} failed: {error}") from error
            info = to_jsonable_python(dict(info), fallback=repr)
            valid = bool(info.get("action_valid", True))
        else:
            text, reward, terminated, truncated = self._rejected(action), 0.0, False, False
            info, valid = {}, False
        success = bool(info.get("success", terminated and float(reward) > 0))
        truncated = bool(truncated) or (not terminated and self._turn >= self.spec.max_turns)
        self._done = bool(terminated) or truncated
        extra = {k: v for k, v in info.items() if k not in ("available_actions", "state_key")}
        return StepResult(
            observation=self._observation(text, info),
            reward=float(reward),
            terminated=bool(terminated),
            truncated=truncated,
            info={**extra, "success": success, "action_valid": valid},
        )

    def _rejected(self, action: str) -> str:
        space = self.gym_env.action_space
        shown = action if len(action) <= 40 else action[:40] + "..."
        return (
            f"Invalid action {shown!r}: an action is {space.min_length} to {space.max_length} "
            f"characters from the set {space.characters[:80]!r}."
        )

    def close(self) -> None:
        """Close the Gymnasium env (safe to call twice)."""
        if not self._closed:
            self._closed = True
            self.gym_env.close()


def _literal_gym_ids(source: str) -> dict[str, str]:
    """``gym_id -> id`` of the ``register("id", ..., gym_id="...")`` calls in ``source``
    whose id and gym_id are string literals."""
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        gym_id = next((k.value for k in node.keywords if k.arg == "gym_id"), None)
        env_id = node.args[0]
        if (name == "register" and isinstance(gym_id, ast.Constant)
                and isinstance(gym_id.value, str) and isinstance(env_id, ast.Constant)
                and isinstance(env_id.value, str)):
            found[gym_id.value] = env_id.value
    return found


def declared_gym_ids() -> dict[str, str]:
    """Gymnasium id -> agentrl id as the family modules of the `agentrl.envs` entry-point
    group declare them, read from their source without importing them (fast enough for
    ``import agentrl``). Only literal ``register(..., gym_id=...)`` calls are seen; `GYM_IDS`
    runs the registrations and sees every declaration."""
    found: dict[str, str] = {}
    modules = (entry.value.partition(":")[0].strip()
               for entry in entry_points(group=ENTRY_POINT_GROUP))
    for module in dict.fromkeys(modules):
        try:
            spec = importlib.util.find_spec(module)
            if spec is None or not spec.origin or not spec.origin.endswith(".py"):
                continue
            with open(spec.origin, encoding="utf-8") as file:
                found.update(_literal_gym_ids(file.read()))
        except (ImportError, OSError, SyntaxError, ValueError):
            continue  # a family that cannot be read here is found by `register_gym_envs`
    return found


def _register(ids: dict[str, str]) -> None:
    for gym_id, agentrl_id in ids.items():
        known = gymnasium.registry.get(gym_id)
        if known is None or known.kwargs.get("env") != agentrl_id:
            gymnasium.register(
                id=gym_id,
                entry_point="agentrl.core.gym:AgentrlToGym",
                kwargs={"env": agentrl_id},
            )


def register_gym_envs() -> list[str]:
    """Register every env that declares a ``gym_id`` with Gymnasium (idempotent; loads every
    family); returns the Gymnasium ids, those of `GYM_IDS`.

    ``gymnasium.make("agentrl/Corridor-v0", split="valid", max_turns=4)`` passes ``split``
    and ``render_mode`` to `AgentrlToGym` and the rest to the agentrl env.
    """
    ids = gym_ids()
    _register(ids)
    return list(ids)


def __getattr__(name: str) -> Any:
    """``GYM_IDS``: Gymnasium id -> agentrl id of every registered env declaring a
    ``gym_id``, computed on access (it loads every family)."""
    if name == "GYM_IDS":
        return gym_ids()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_register(declared_gym_ids())

__all__ = [  # GYM_IDS comes from the module __getattr__
    "GYM_IDS", "AgentrlToGym", "GymToAgentrl", "declared_gym_ids", "register_gym_envs",  # noqa: F822
]
