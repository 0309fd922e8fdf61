"""A free-text env restricted to a finite menu of replies: a world the exact DP can enumerate.

Search-QA (and any env whose actions are free text) lists no admissible actions, so its
episode tree is infinite. `MenuEnv` wraps such an env and offers, for each task, a menu of
replies: the env's own demonstration for the task (``env.demonstration(task)``: for search-QA
the oracle's search and open of each entity on the question's chain, then the right answer)
and the demonstrations of ``others`` other tasks of the same split (searches and opens off
the chain, wrong answers). Each reply is listed under a short label (``search: Ada Lind``,
``open: D12``, ``answer: Paris``) as ``available_actions``; the action format becomes plain
text, so the tabular policy, an LLM restricted to the listed actions (`agentrl.lab.scorers`)
and `agentrl.lab.exact` all work on it. Stepping a label sends its reply to the wrapped env;
anything else is passed through unchanged (the wrapped env judges it). Rewards, termination,
``info`` and ``state_key`` are the wrapped env's.

The world is the wrapped env with its action space cut to the menu: a small search-QA world
is ``MenuEnv(inner='tools/search-qa', inner_kwargs={'max_hops': 1, 'max_turns': 4})`` —
six replies per task, a tree of 85 decision nodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentrl.core.env import Env
from agentrl.core.registry import make
from agentrl.core.types import Observation, StepResult, Task
from agentrl.tools.parsing import parse_reply


def reply_label(reply: str) -> str:
    """A short label for one raw reply: ``tool: argument values`` for a single tool call,
    ``answer: text`` for a final answer, else the reply itself."""
    parsed = parse_reply(reply)
    if parsed.error is None and len(parsed.calls) == 1 and parsed.answer is None:
        call = parsed.calls[0]
        values = [str(v) for v in call.arguments.values()] + [str(v) for v in call.positional]
        return f"{call.name}: {', '.join(values)}"
    if parsed.error is None and not parsed.calls and parsed.answer is not None:
        return f"answer: {parsed.answer}"
    return " ".join(reply.split())


def answer_label(answer: str) -> str:
    """The label of the final answer ``answer`` (what `reply_label` gives ``<answer>…``)."""
    return f"answer: {answer}"


class MenuEnv(Env):
    """``inner`` (an env or a registered id, built with ``inner_kwargs``) with each task's
    replies cut to a menu (module docstring). ``others``: how many other tasks'
    demonstrations join each task's menu (the next ones in the task's split, cyclically);
    ``tasks_per_split``: offer only the first N tasks of each split (menus unchanged)."""

    def __init__(self, inner: str | Env = "tools/search-qa",
                 inner_kwargs: dict[str, Any] | None = None, others: int = 1,
                 tasks_per_split: int | None = None) -> None:
        if others < 0:
            raise ValueError(f"MenuEnv: others={others} must be ≥ 0")
        self.inner = make(inner, **(inner_kwargs or {})) if isinstance(inner, str) else inner
        if not hasattr(self.inner, "demonstration"):
            raise ValueError(f"MenuEnv: {self.inner.spec.id} has no demonstration(task); a "
                             "menu is built from the env's own demonstrations")
        self.others, self.cap = others, tasks_per_split
        self.spec = self.inner.spec.model_copy(update={
            "id": f"{self.inner.spec.id}+menu", "action_format": "text"})
        self._menus: dict[str, dict[str, str]] = {}
        self._menu: dict[str, str] = {}

    def tasks(self, split: str) -> Sequence[Task]:
        """The wrapped env's tasks (the first ``tasks_per_split``)."""
        return list(self.inner.tasks(split))[: self.cap]

    def menu(self, task: Task) -> dict[str, str]:
        """label → reply for ``task``, in label order (module docstring)."""
        if task.id not in self._menus:
            split = list(self.inner.tasks(task.split))
            index = next((i for i, t in enumerate(split) if t.id == task.id), 0)
            chosen = [task] + [split[(index + j) % len(split)]
                               for j in range(1, self.others + 1) if len(split) > j]
            replies: dict[str, str] = {}
            for source in chosen:
                shown = self.inner.demonstration(source)
                if not shown:
                    raise ValueError(f"MenuEnv: task {source.id!r} has no demonstration")
                for reply in shown:
                    replies.setdefault(reply_label(reply), reply)
            self._menus[task.id] = dict(sorted(replies.items()))
        return self._menus[task.id]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Reset the wrapped env; the observation lists ``task``'s menu."""
        if task is None:
            train = list(self.inner.tasks("train"))
            task = train[(seed or 0) % len(train)]
        observation = self.inner.reset(task, seed=seed)
        self._menu = self.menu(task)
        return self._listed(observation, done=False)

    def step(self, action: str) -> StepResult:
        """Send the reply of the label ``action`` (anything else unchanged)."""
        result = self.inner.step(self._menu.get(action.strip(), action))
        done = bool(result.terminated or result.truncated)
        return result.model_copy(update={"observation": self._listed(result.observation,
                                                                     done=done)})

    def _listed(self, observation: Observation, *, done: bool) -> Observation:
        return observation.model_copy(update={
            "available_actions": [] if done else list(self._menu), "tools": None})

    def demonstration(self, task: Task) -> list[str] | None:
        """The wrapped env's demonstration, as menu labels."""
        shown = self.inner.demonstration(task)
        return [reply_label(reply) for reply in shown] if shown else None

    def close(self) -> None:
        """Close the wrapped env."""
        self.inner.close()
