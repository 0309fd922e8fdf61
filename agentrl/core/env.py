"""The `Env` base class every environment family implements."""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from agentrl.core.types import EnvSpec, Observation, StepResult, Task


class EnvError(RuntimeError):
    """An env failed in a way that is not the agent's fault (crash, bad data, engine down)."""


class Env(ABC):
    """A multi-turn environment speaking agentrl's episode API.

    Lifecycle: ``reset(task, seed=...)`` returns the first `Observation`; ``step(action)``
    returns a `StepResult` until ``terminated`` or ``truncated``; ``close()`` frees
    resources and is safe to call twice. Envs are synchronous; the rollout runner
    parallelises them. A malformed or inadmissible action is never an exception: the env
    explains it in the next observation and sets ``info["action_valid"] = False``.

    Rewards: ``StepResult.reward`` is the immediate reward; the episode's outcome R is
    ``info["outcome_reward"]`` on the last step (else 1 on ``info["success"]``). An env whose
    step rewards already pay R (say reward 1 on the winning step) sets
    ``spec.step_rewards_include_outcome = True``, so R is not counted twice by the
    return-based estimators (their ``outcome="auto"``).
    """

    spec: EnvSpec
    # True when the env drives native code (a game interpreter, a planner) that a bad
    # input or a bug can crash with the whole Python process; ``rollout.env_workers: auto``
    # then runs each such env in its own process, so a crash errors one episode, not the run.
    native_engine: ClassVar[bool] = False

    @abstractmethod
    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Start an episode on ``task`` (a default task chosen by ``seed`` when None)."""

    @abstractmethod
    def step(self, action: str) -> StepResult:
        """Apply one action and return what came of it."""

    @abstractmethod
    def tasks(self, split: str) -> Sequence[Task]:
        """The tasks of ``split`` in a deterministic order."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Free resources. Must be safe to call more than once."""

    def demonstration(self, task: Task) -> list[str] | None:
        """The actions an expert takes on ``task`` from its start, or None without an expert.

        Each action is what ``step`` accepts (for ``action_format == "tool_call"``, the
        whole reply). Replayed from ``reset(task)`` they solve the task; SFT warm starts
        (`agentrl.run.warm_start`) replay them to record the observations the policy will see.
        Envs whose expert must react to observations compute the list by playing the
        episode themselves, so calling this may reset the env: reset it again before use.
        """
        return None

    def __enter__(self) -> Env:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def digest_state(*parts: Any) -> str:
    """Canonical short digest of JSON-serialisable parts, for `Observation.state_key`.

    Dicts are key-sorted, so equal situations give equal keys whatever the build order.
    """
    payload = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha1(payload.encode()).hexdigest()[:16]


QUOTED_ACTION_CHARS = 80  # at most this much of an action is repeated in an observation


def quote_action(action: str, limit: int = QUOTED_ACTION_CHARS) -> str:
    """``action`` as an observation may repeat it: its ``repr``, cut to about ``limit`` chars.

    ``repr`` escapes control characters, NULs and lone surrogates, so the quote is one
    printable line that always encodes to UTF-8 (and JSON); a longer action is cut and its
    length said, so a megabyte reply never becomes a megabyte of every later prompt.
    """
    if len(action) <= limit:
        return repr(action)
    return f"{action[:limit]!r}… ({len(action):,} characters)"
