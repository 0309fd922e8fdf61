"""`ToolEnv`: a list of tools + a task set + a reward function = a multi-turn agentrl env.

Each ``step`` receives the model's whole raw reply (``spec.action_format == "tool_call"``),
parses the tool calls in it (`agentrl.tools.parsing`), runs them, and returns their results
as the next observation. The episode ends when the agent answers — with the built-in
``final_answer`` tool or an ``<answer>...</answer>`` tag — and the reward function scores
the answer; or it is truncated after ``max_turns`` with reward 0.

Observation text is the tools' results, each cut to ``max_result_chars`` characters (2,000
by default) with a note saying how much was cut. ``Observation.tools`` carries the OpenAI
function specs, ready for ``tokenizer.apply_chat_template(messages, tools=obs.tools)``.
``state_key`` digests the task and the sequence of (tool, canonical arguments) calls that
ran, i.e. what the agent has learned so far. A bad call (no call, unknown tool, arguments
that fail validation, a tool that raised) is never an exception: the observation says what
was wrong and ``info["action_valid"]`` is False.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from agentrl.core.env import Env, digest_state
from agentrl.core.registry import register
from agentrl.core.types import STANDARD_SPLITS, EnvSpec, Observation, StepResult, Task
from agentrl.tools._loop import BackgroundLoop
from agentrl.tools.decorator import Tool, ToolArgumentError
from agentrl.tools.parsing import ANSWER_TOOL, ToolCall, parse_reply
from agentrl.tools.rewards import RewardFn, get_reward
from agentrl.tools.tasksets import TaskSource, resolve_tasks

DEFAULT_DESCRIPTION = (
    "Solve the task using the tools. Call a tool with "
    '<tool_call>{"name": "TOOL", "arguments": {...}}</tool_call>; you will see its result. '
    f"When you know the answer, call {ANSWER_TOOL} or reply <answer>YOUR ANSWER</answer>."
)

ANSWER_SPEC = {
    "type": "function",
    "function": {
        "name": ANSWER_TOOL,
        "description": "Give your final answer and end the episode.",
        "parameters": {
            "type": "object",
            "properties": {"answer": {"type": "string", "description": "The final answer."}},
            "required": ["answer"],
        },
    },
}


def format_result(value: Any, max_chars: int) -> str:
    """A tool's return value as observation text, cut to ``max_chars`` characters."""
    if value is None:
        text = "(no output)"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, BaseModel):
        text = value.model_dump_json()
    else:
        text = json.dumps(value, default=str, ensure_ascii=False)
    if len(text) > max_chars:
        cut = len(text) - max_chars
        text = f"{text[:max_chars]}\n... [truncated {cut} more characters]"
    return text


class ToolEnv(Env):
    """An env whose actions are tool calls; see the module docstring for the protocol.

    Args:
        tools: The tools (`@tool` functions, `mcp_tools(...)`, ...). ``final_answer`` is added.
        tasks: Tasks: a list of `Task` or of question/answer records, ``{split: [...]}``, or
            a JSONL path (see `agentrl.tools.tasksets`).
        reward: ``reward(task, final_answer, trajectory_info) -> float`` or a registered name
            (``"exact_match"``, ``"f1"``).
        max_turns: Turn limit; the episode is truncated (reward 0) after it.
        env_id: The id in `EnvSpec` and the one `register` uses.
        components: Extra named rewards reported in ``info["reward_components"]`` only.
        max_result_chars: Longest tool result shown; longer results are cut.
        max_calls_per_turn: Calls run per reply; extra calls are refused with a message.
        tool_timeout: Seconds an async tool may run before it is cancelled.
        success_threshold: ``success`` is ``reward >= success_threshold``.
        description: System-prompt instructions (defaults to how to call and answer).
    """

    def __init__(
        self,
        tools: Sequence[Tool],
        tasks: TaskSource,
        reward: str | RewardFn = "exact_match",
        *,
        max_turns: int = 10,
        env_id: str = "tools/custom",
        components: Mapping[str, str | RewardFn] | None = None,
        max_result_chars: int = 2000,
        max_calls_per_turn: int = 4,
        tool_timeout: float = 30.0,
        success_threshold: float = 1.0,
        description: str | None = None,
    ) -> None:
        self._config = {
            "tools": tools, "tasks": tasks, "reward": reward, "max_turns": max_turns,
            "env_id": env_id, "components": components, "max_result_chars": max_result_chars,
            "max_calls_per_turn": max_calls_per_turn, "tool_timeout": tool_timeout,
            "success_threshold": success_threshold, "description": description,
        }  # fmt: skip
        self._tools = _index_tools(tools)
        # Tasks belong to the env they are given to (check_env requires the ids to agree).
        self._tasks = [
            task if task.env_id == env_id else task.model_copy(update={"env_id": env_id})
            for task in resolve_tasks(tasks, env_id=env_id)
        ]
        if not self._tasks:
            raise ValueError(f"ToolEnv {env_id!r} got no tasks")
        extra_splits = [task.split for task in self._tasks]
        self.spec = EnvSpec(
            id=env_id,
            max_turns=max_turns,
            action_format="tool_call",
            step_rewards_include_outcome=True,  # the answer step pays R = the reward
            splits=tuple(dict.fromkeys([*STANDARD_SPLITS, *extra_splits])),
            description=description or DEFAULT_DESCRIPTION,
        )
        self.reward_name = reward if isinstance(reward, str) else _name_of(reward)
        self._reward = get_reward(reward)
        self._components = {name: get_reward(fn) for name, fn in (components or {}).items()}
        self.max_result_chars = max_result_chars
        self.max_calls_per_turn = max_calls_per_turn
        self.tool_timeout = tool_timeout
        self.success_threshold = success_threshold
        self.tool_specs = [t.spec for t in self._tools.values()] + [ANSWER_SPEC]
        self._loop: BackgroundLoop | None = None
        self._task: Task | None = None
        self._calls: list[dict[str, Any]] = []
        self._turn = 0
        self._done = True

    # -- episode API ---------------------------------------------------------------------

    def tasks(self, split: str) -> Sequence[Task]:
        """The tasks of ``split``, in the order they were given."""
        if split not in self.spec.splits:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(self.spec.splits)}")
        return [task for task in self._tasks if task.split == split]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Start on ``task``; with None, the train task ``seed % len(train)`` (or any task)."""
        if task is None:
            pool = self.tasks("train") or self._tasks
            task = pool[(seed or 0) % len(pool)]
        self._task, self._calls, self._turn, self._done = task, [], 0, False
        return self._observation(task.instruction)

    def step(self, action: str) -> StepResult:
        """Parse ``action`` (the raw model reply), run its tool calls, score a final answer."""
        if self._task is None or self._done:
            raise RuntimeError("step() called before reset() or after the episode ended")
        self._turn += 1
        parsed = parse_reply(action)
        texts: list[str] = []
        valid = parsed.error is None
        if parsed.error is not None:
            texts.append(f"Invalid tool call: {parsed.error}")
        for index, call in enumerate(parsed.calls):
            if index >= self.max_calls_per_turn:
                limit = self.max_calls_per_turn
                texts.append(f"[{call.name}] not run: at most {limit} calls a turn")
                valid = False
                continue
            ok, text = self._run(call)
            valid = valid and ok
            texts.append(text if len(parsed.calls) == 1 else f"[{call.name}] {text}")
        if parsed.answer is not None:
            return self._finish(parsed.answer, texts, valid)
        truncated = self._turn >= self.spec.max_turns
        self._done = truncated
        info: dict[str, Any] = {"success": False, "action_valid": valid, "reward_components": {}}
        if truncated:
            texts.append(f"Turn limit ({self.spec.max_turns}) reached without an answer.")
            info["outcome_reward"] = 0.0
        return StepResult(
            observation=self._observation("\n\n".join(texts)), truncated=truncated, info=info
        )

    def close(self) -> None:
        """Stop the private event loop of async tools (tools themselves stay usable)."""
        if self._loop is not None:
            self._loop.close()
            self._loop = None

    # -- registration ----------------------------------------------------------------------

    def copy(self, **overrides: Any) -> ToolEnv:
        """A fresh env with the same tools, tasks and options (``overrides`` replace some)."""
        return ToolEnv(**{**self._config, **overrides})

    def register(self, env_id: str | None = None) -> str:
        """Register this configuration so ``agentrl.make(env_id)`` builds fresh copies.

        Returns the id. The registration lives in this process (recipes run in it); a
        process-pool runner needs a module-level factory registered as ``"module:fn"``.
        """
        env_id = env_id or self.spec.id
        register(env_id, self._factory(env_id))
        return env_id

    def _factory(self, env_id: str) -> Callable[..., ToolEnv]:
        def build(**overrides: Any) -> ToolEnv:
            return self.copy(**{"env_id": env_id, **overrides})

        return build

    # -- internals ---------------------------------------------------------------------------

    def _run(self, call: ToolCall) -> tuple[bool, str]:
        tool = self._tools.get(call.name)
        if tool is None:
            names = ", ".join([*self._tools, ANSWER_TOOL])
            return False, f"Unknown tool {call.name!r}; available tools: {names}."
        try:
            kwargs = tool.validate(_with_positional(tool, call))
        except ToolArgumentError as error:
            return False, f"Invalid arguments for tool {call.name!r}: {error}"
        try:
            value = tool.fn(**kwargs)
            if inspect.isawaitable(value):
                value = self._event_loop().run(_awaited(value), timeout=self.tool_timeout)
        except TimeoutError:
            return False, f"Tool {call.name!r} timed out after {self.tool_timeout:g} s."
        except Exception as error:  # a tool's failure is the agent's observation, not a crash
            return False, f"Tool {call.name!r} failed: {type(error).__name__}: {error}"
        text = format_result(value, self.max_result_chars)
        self._calls.append({"name": call.name, "arguments": kwargs, "result": text})
        return True, text

    def _finish(self, answer: str, texts: list[str], valid: bool) -> StepResult:
        assert self._task is not None
        trajectory_info = {"calls": list(self._calls), "turns": self._turn}
        reward = float(self._reward(self._task, answer, trajectory_info))
        components = {self.reward_name: reward}
        for name, fn in self._components.items():
            components[name] = float(fn(self._task, answer, trajectory_info))
        success = reward >= self.success_threshold
        self._done = True
        texts.append(f"Final answer received: {answer}")
        info = {
            "success": success,
            "action_valid": valid,
            "reward_components": components,
            "outcome_reward": reward,
            "answer": answer,
        }
        observation = self._observation("\n\n".join(texts), answer=answer)
        return StepResult(observation=observation, reward=reward, terminated=True, info=info)

    def _observation(self, text: str, answer: str | None = None) -> Observation:
        assert self._task is not None
        history = [[call["name"], call["arguments"]] for call in self._calls]
        key = digest_state(self._task.id, history, answer)
        return Observation(text=text, tools=self.tool_specs, state_key=key)

    def _event_loop(self) -> BackgroundLoop:
        if self._loop is None:
            self._loop = BackgroundLoop()
        return self._loop


def _name_of(fn: Callable[..., Any]) -> str:
    return getattr(fn, "__name__", "reward")


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


def _index_tools(tools: Sequence[Tool]) -> dict[str, Tool]:
    index: dict[str, Tool] = {}
    for item in tools:
        if not isinstance(item, Tool):
            raise TypeError(f"ToolEnv tools must be Tool objects (use @tool), got {item!r}")
        if item.name == ANSWER_TOOL:
            raise ValueError(f"tool name {ANSWER_TOOL!r} is reserved for the final answer")
        if item.name in index:
            raise ValueError(f"two tools are named {item.name!r}; tool names must be unique")
        index[item.name] = item
    return index


def _with_positional(tool: Tool, call: ToolCall) -> dict[str, Any]:
    """Map ReAct positional arguments onto the tool's parameters, in schema order."""
    if not call.positional:
        return call.arguments
    names = list(tool.parameters.get("properties", {}))
    if len(call.positional) > len(names):
        raise ToolArgumentError(
            f"{len(call.positional)} positional arguments given, tool {tool.name!r} takes "
            f"{len(names)} ({', '.join(names)})"
        )
    positional = dict(zip(names, call.positional, strict=False))
    clash = sorted(set(positional) & set(call.arguments))
    if clash:
        raise ToolArgumentError(f"argument(s) {', '.join(clash)} given twice")
    return {**positional, **call.arguments}
