"""What the env proxies share (`ProcessEnv`: a child process, `RayEnv`: a Ray actor): the
`Env` methods forwarded as calls, and how the far side runs one call.

Torch-free, like `agentrl.core.process_env`: env processes and actors import it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from agentrl.core.env import Env
from agentrl.core.types import Observation, StepResult, Task


def run_env_call(env: Env, method: str, args: tuple[Any, ...],
                 kwargs: dict[str, Any]) -> tuple[str, Any]:
    """Run ``env.<method>(*args, **kwargs)`` where the env lives: ``("ok", result)`` (a
    task sequence as a list), or ``("error", text)`` — text, since an exception may not
    pickle back to the caller."""
    try:
        result = getattr(env, method)(*args, **kwargs)
    except Exception as error:  # noqa: BLE001 - shipped back to the caller
        return "error", f"{type(error).__name__}: {error}"
    return "ok", list(result) if method == "tasks" else result


class RemoteEnv(Env):
    """An `Env` proxy: every method is a call to the real env elsewhere, made by the
    subclass's `_call`, which raises `EnvError` when the call fails, hangs past
    ``timeout_s`` or loses the env. The next ``reset`` then starts a fresh one. Building the
    env (imports, scheduling) has its own, longer limit, ``startup_timeout_s``."""

    def __init__(self, factory: Callable[[], Env], *, timeout_s: float | None = None,
                 startup_timeout_s: float = 600.0) -> None:
        self._factory = factory
        self._timeout_s = timeout_s
        self._startup_timeout_s = startup_timeout_s

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        """``env.<method>(*args, **kwargs)`` on the real env; its result."""
        raise NotImplementedError

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """`Env.reset` on the real env (started first if there is none)."""
        return self._call("reset", task, seed=seed)

    def step(self, action: str) -> StepResult:
        """`Env.step` on the real env; `EnvError` if it fails, dies or times out."""
        return self._call("step", action)

    def tasks(self, split: str) -> Sequence[Task]:
        """`Env.tasks` of the real env, as a list."""
        return self._call("tasks", split)
