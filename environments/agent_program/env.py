"""`AgentProgramEnv`: one run of a user's agent program is one episode; its LLM calls
are the turns."""

from __future__ import annotations

import queue
from collections.abc import Sequence
from typing import Any

from agentrl.core.env import Env
from agentrl.core.registry import resolve_entry_point
from agentrl.core.types import STANDARD_SPLITS, EnvSpec, Observation, StepResult, Task
from agentrl.environments.agent_program.completions import (
    completion,
    flatten_text_parts,
    new_messages,
    observation_text,
    reply_problem,
    state_key,
)
from agentrl.environments.agent_program.gateway import Call, Channel, gateway
from agentrl.environments.agent_program.program import (
    AgentProgramError,
    Program,
    load_program,
    reward_and_info,
    start,
)

ENV_ID = "agent-program"


class AgentProgramEnv(Env):
    """A user's agent program, run against the policy under training, as an agentrl `Env`.

    ``reset(task)`` starts ``program(task, base_url, client_kwargs)`` (see
    `agentrl.environments.agent_program.program`) against an OpenAI-compatible
    chat-completions endpoint served on 127.0.0.1 at a path of this episode only. Each call
    the program makes is the next `Observation`: ``messages`` (the call's messages,
    verbatim: the rollout runner prompts the policy with exactly these), ``tools`` (the
    call's tool specs), ``state_key`` (a digest of what the program showed the model since
    its previous call) and ``text`` (a readable view of that). ``step(reply)`` returns the
    policy's raw reply to the waiting call as a chat completion (``<tool_call>`` blocks become
    ``tool_calls``; ``info["action_valid"]`` is False, with ``info["reply_problem"]``, for an
    empty reply, a malformed block or a tool the call did not offer) and waits for the
    program's next call (reward 0), its return (terminated;
    reward and ``info["outcome_reward"]`` = the returned reward; ``info["success"]`` the
    program's own, else reward ≥ ``success_threshold``), or its exception (`AgentProgramError`
    naming it: the runner errors this episode only). No call nor return within
    ``call_timeout_s`` is a `TimeoutError`. After ``max_turns`` calls the episode is truncated.
    ``flatten_text_parts`` (default): a message content given as a list of text parts only
    (smolagents sends them) is recorded as their joined text, which text-only chat
    templates can render; False keeps the lists exactly as sent.

    ``tasks``: `Task` objects or dicts of their fields (``env_id`` defaults to this env's id,
    ``split`` to ``train``), or a ``"module:attr"`` naming such a list or a function
    returning it.
    """

    def __init__(self, program: str | Program, tasks: Sequence[Task | dict[str, Any]] | str = (),
                 *, max_turns: int = 32, call_timeout_s: float = 300.0,
                 reply_timeout_s: float = 600.0, success_threshold: float = 1.0,
                 flatten_text_parts: bool = True, description: str = "",
                 env_id: str = ENV_ID) -> None:
        self.program = load_program(program)
        self._tasks = _load_tasks(tasks, env_id)
        splits = tuple(dict.fromkeys([*STANDARD_SPLITS, *(t.split for t in self._tasks)]))
        self.spec = EnvSpec(id=env_id, max_turns=max_turns, action_format="tool_call",
                            splits=splits, description=description,
                            step_rewards_include_outcome=True)
        self.call_timeout_s, self.reply_timeout_s = call_timeout_s, reply_timeout_s
        self.success_threshold = success_threshold
        self.flatten_text_parts = flatten_text_parts
        self._channel: Channel | None = None
        self._pending: Call | None = None
        self._messages: list[dict[str, Any]] | None = None
        self._turn = 0

    def tasks(self, split: str) -> Sequence[Task]:
        """The tasks of ``split``."""
        return [t for t in self._tasks if t.split == split]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """End any running episode, start the program on ``task`` (default: a train task
        chosen by ``seed``) and return its first call."""
        self._end_episode()
        if task is None:
            train = self.tasks("train")
            if not train:
                raise ValueError(f"{self.spec.id}: no train tasks; pass tasks=[...] or a task")
            task = train[(seed or 0) % len(train)]
        self._channel = gateway().open(self.reply_timeout_s)
        self._messages, self._turn = None, 0
        start(self.program, task, self._channel)
        kind, payload = self._next_event()
        if kind == "call":
            return self._observe(payload)
        self._end_episode()
        if kind == "done":
            raise AgentProgramError("the program returned before calling the model")
        raise _program_error(payload) from payload

    def step(self, action: str) -> StepResult:
        """Answer the waiting call with ``action`` (the raw reply) and wait for what the
        program does next."""
        if self._pending is None:
            raise RuntimeError(f"{self.spec.id}: no call is waiting; reset() first")
        # Lone surrogates cannot travel as UTF-8 JSON to the program: replaced by "?".
        action = str(action).encode("utf-8", errors="replace").decode("utf-8")
        problem = reply_problem(action, self._pending.body, self._turn)
        checked = {"action_valid": problem is None} | ({"reply_problem": problem} if problem
                                                        else {})
        self._pending.answer(completion(action, self._pending.body, self._turn))
        self._pending = None
        self._turn += 1
        kind, payload = self._next_event()
        if kind == "call":
            observation = self._observe(payload)
            if self._turn < self.spec.max_turns:
                return StepResult(observation=observation, info=checked)
            self._end_episode()
            return StepResult(observation=observation, truncated=True,
                              info=checked | {"outcome_reward": 0.0, "success": False})
        last = self._final_observation()
        self._end_episode()
        if kind == "error":
            raise _program_error(payload) from payload
        reward, info = reward_and_info(payload)
        info.setdefault("success", reward >= self.success_threshold)
        info["outcome_reward"] = reward
        return StepResult(observation=last, reward=reward, terminated=True,
                          info=info | checked)

    def close(self) -> None:
        """End the running episode (its program's pending and later calls are refused)."""
        self._end_episode()

    # -- internals -----------------------------------------------------------------------

    def _next_event(self) -> tuple[str, Any]:
        assert self._channel is not None
        try:
            return self._channel.events.get(timeout=self.call_timeout_s)
        except queue.Empty:
            self._end_episode()
            raise TimeoutError(f"the agent program neither called the model nor returned "
                               f"within call_timeout_s={self.call_timeout_s}s") from None

    def _observe(self, call: Call) -> Observation:
        self._pending = call
        messages = call.body["messages"]
        if self.flatten_text_parts:
            messages = flatten_text_parts(messages)
        shown = new_messages(self._messages, messages)
        self._messages = messages
        return Observation(text=observation_text(shown), messages=messages,
                           tools=call.body.get("tools") or None, state_key=state_key(shown))

    def _final_observation(self) -> Observation:
        return Observation(text="[the program returned]", messages=None,
                           state_key=state_key([{"role": "end"}]))

    def _end_episode(self) -> None:
        if self._pending is not None:
            self._pending.refuse(410, "the episode is over")
            self._pending = None
        if self._channel is not None:
            self._channel.close()
            self._channel = None


def _program_error(error: BaseException) -> AgentProgramError:
    return AgentProgramError(f"the agent program raised {type(error).__name__}: {error}")


def _load_tasks(tasks: Sequence[Task | dict[str, Any]] | str, env_id: str) -> list[Task]:
    if isinstance(tasks, str):
        tasks = resolve_entry_point(tasks)
        tasks = tasks() if callable(tasks) else tasks
    loaded = [t if isinstance(t, Task) else Task(**{"env_id": env_id, **t}) for t in tasks]
    ids = [(t.split, t.id) for t in loaded]
    if len(set(ids)) != len(ids):
        raise ValueError(f"{env_id}: task ids repeat within a split: {ids}")
    return loaded
