"""`OpenEnvEnv`: any OpenEnv server as an agentrl env, over one WebSocket session."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Literal

from agentrl.core.env import Env, digest_state, quote_action
from agentrl.core.types import STANDARD_SPLITS, EnvSpec, Observation, StepResult, Task
from agentrl.environments.openenv.actions import ActionSchema, ActionSchemaError
from agentrl.environments.openenv.session import (
    OpenEnvError,
    ServerMessageError,
    WsSession,
    check_health,
    http_get_json,
    with_retries,
)

SPLIT_SEED_BASE = {"train": 0, "valid": 1_000_000, "heldout": 2_000_000}
OBSERVATION_RESERVED = ("done", "reward", "metadata")
INVALID_CODES = ("VALIDATION_ERROR", "EXECUTION_ERROR", "INVALID_JSON")


class OpenEnvEnv(Env):
    """An OpenEnv server (``openenv-core``) as an agentrl `Env`.

    ``base_url`` defaults to OpenEnv's usual ``http://localhost:8000``. At construction
    ``GET /health`` must answer (else `OpenEnvError` naming ``base_url``) and
    ``GET /schema`` gives the action model. ``reset`` opens (or reuses) this env's WebSocket
    session and sends ``reset`` with the task's seed; ``step`` parses the text action into the
    action model (`ActionSchema.parse`) and sends it. An action that does not fit, or that the
    server rejects (validation or execution error), comes back as an observation explaining
    it with ``info["action_valid"] = False``; the session goes on. A server that stops
    answering raises `OpenEnvError` from that env's call only, so the runner errors that
    episode and the others go on.

    Tasks: OpenEnv servers have no task list, so a task is a reset seed:
    ``tasks_per_split`` seeds per split, disjoint between splits.
    ``state_key`` digests the observation fields (what the agent sees; default) or the
    server's ``state`` without its ``episode_id`` / ``step_count`` (``state_key_from="state"``).
    Rewards are the server's; on the last step ``info["outcome_reward"]`` is the episode's sum
    and ``info["success"]`` is that sum above ``success_threshold``.
    """

    def __init__(self, base_url: str = "http://localhost:8000", *, max_turns: int = 20,
                 timeout_s: float = 30.0,
                 retries: int = 3, backoff_s: float = 0.5, tasks_per_split: int = 100,
                 state_key_from: Literal["observation", "state"] = "observation",
                 success_threshold: float = 0.0, env_id: str = "openenv") -> None:
        if state_key_from not in ("observation", "state"):
            raise ValueError(f"state_key_from={state_key_from!r}; use 'observation' or 'state'")
        self.base_url = base_url.rstrip("/")
        self.timeout_s, self.retries, self.backoff_s = timeout_s, retries, backoff_s
        self.tasks_per_split = tasks_per_split
        self.state_key_from = state_key_from
        self.success_threshold = success_threshold
        check_health(self.base_url, timeout_s=timeout_s, retries=retries, backoff_s=backoff_s)
        schema = self._get("/schema")
        self.action_schema = ActionSchema.from_json_schema(schema.get("action") or {})
        self.description = self._server_description()
        self.spec = EnvSpec(id=env_id, max_turns=max_turns, splits=STANDARD_SPLITS,
                            description=self.description + "\n\n" + self.action_schema.help(),
                            step_rewards_include_outcome=True)
        self._session: WsSession | None = None
        self._turn = 0
        self._return = 0.0
        self._over = True
        self._last_key = ""

    def _get(self, path: str) -> dict[str, Any]:
        try:
            return with_retries(lambda: http_get_json(self.base_url, path, self.timeout_s),
                                retries=self.retries, backoff_s=self.backoff_s,
                                retry_on=(OSError, ValueError))
        except (OSError, ValueError) as error:
            raise OpenEnvError(f"GET {self.base_url}{path} failed: {error}") from error

    def _server_description(self) -> str:
        try:
            meta = self._get("/metadata")
        except OpenEnvError:
            return "An OpenEnv environment."
        return str(meta.get("description") or meta.get("name") or "An OpenEnv environment.")

    def tasks(self, split: str) -> Sequence[Task]:
        """``tasks_per_split`` reset seeds of ``split``."""
        if split not in SPLIT_SEED_BASE:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(SPLIT_SEED_BASE)}")
        base = SPLIT_SEED_BASE[split]
        return [self._task(split, base + k) for k in range(self.tasks_per_split)]

    def _task(self, split: str, seed: int) -> Task:
        return Task(id=f"{split}-{seed}", env_id=self.spec.id, split=split,
                    instruction=self.spec.description, metadata={"seed": seed})

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Start an episode on the server with the task's seed (or ``seed``)."""
        if task is not None:
            seed = task.metadata.get("seed", seed)
            extra = dict(task.metadata.get("reset_kwargs") or {})
        else:
            extra = {}
        if self._session is None:
            self._session = WsSession(self.base_url, timeout_s=self.timeout_s,
                                      retries=self.retries, backoff_s=self.backoff_s)
        try:
            data = self._session.send("reset", {**extra, "seed": seed})
        except ServerMessageError as error:
            raise OpenEnvError(f"the OpenEnv server at {self.base_url} failed to reset: "
                               f"{error}") from error
        self._turn, self._return, self._over = 0, 0.0, bool(data.get("done"))
        return self._observation(data.get("observation") or {})

    def step(self, action: str) -> StepResult:
        """Send one action; see the class docstring for invalid actions and dead servers."""
        if self._over or self._session is None:
            raise RuntimeError("episode is over; call reset()")
        self._turn += 1
        try:
            payload = self.action_schema.parse(action)
            data = self._session.send("step", payload)
        except (ActionSchemaError, ServerMessageError) as error:
            if isinstance(error, ServerMessageError) and error.code not in INVALID_CODES:
                raise OpenEnvError(f"OpenEnv server at {self.base_url}: {error}") from error
            return self._invalid(action, str(error))
        reward = float(data.get("reward") or 0.0)
        self._return += reward
        terminated = bool(data.get("done"))
        truncated = not terminated and self._turn >= self.spec.max_turns
        self._over = terminated or truncated
        info: dict[str, Any] = {"action_valid": True}
        if self._over:
            info["outcome_reward"] = self._return
            info["success"] = self._return > self.success_threshold
        return StepResult(observation=self._observation(data.get("observation") or {}),
                          reward=reward, terminated=terminated, truncated=truncated, info=info)

    def _invalid(self, action: str, why: str) -> StepResult:
        truncated = self._turn >= self.spec.max_turns
        self._over = truncated
        text = (f"Invalid action {quote_action(action)}: {why[:300]}\n"
                + self.action_schema.help())
        key = digest_state("invalid", self._last_key)
        info: dict[str, Any] = {"action_valid": False}
        if truncated:
            info.update(outcome_reward=self._return, success=False)
        return StepResult(observation=Observation(text=text, state_key=key),
                          truncated=truncated, info=info)

    def _observation(self, fields: dict[str, Any]) -> Observation:
        shown = {k: v for k, v in fields.items() if k not in OBSERVATION_RESERVED}
        if self.state_key_from == "state" and self._session is not None:
            state = self._session.send("state", None)
            key = digest_state({k: v for k, v in state.items()
                                if k not in ("episode_id", "step_count")})
        else:
            key = digest_state(shown)
        self._last_key = key
        return Observation(text=render_fields(shown), state_key=key)

    def close(self) -> None:
        """Close the WebSocket session (the server frees its environment). Safe to repeat."""
        session, self._session = self._session, None
        self._over = True
        if session is not None:
            session.close()


def render_fields(fields: dict[str, Any]) -> str:
    """Observation fields as text: a lone string field as itself, else ``name: value`` lines."""
    if len(fields) == 1 and isinstance(next(iter(fields.values())), str):
        return next(iter(fields.values()))
    return "\n".join(f"{name}: {value if isinstance(value, str) else json.dumps(value)}"
                     for name, value in fields.items()) or "(empty observation)"
