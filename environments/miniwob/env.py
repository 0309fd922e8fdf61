"""`MiniWoBEnv`: MiniWoB++ tasks (the `miniwob` package's pages) as an agentrl env.

``make("miniwob/click-button")`` plays one task; ``make("miniwob", tasks=[...])`` several
(all 125 when ``tasks`` is None), each task's category in ``Task.metadata["category"]`` for
per-category evaluation. Observations: the utterance, its fields and the page as text
(`dom.render_dom`), plus a screenshot of the 160x210 task area in ``Observation.images``.
Actions: MiniWoB's action types as text (`actions.ACTION_HELP`). Reward: the page's own
(`reward.episode_reward`), paid on the step that ends the episode. Time: every step lets
``step_ms`` of page time pass on a virtual clock (`browser`), so the task's time limit
arrives after ``EPISODE_MAX_TIME / step_ms`` steps and the time-scaled reward counts steps.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence
from typing import Any

from agentrl.core.env import Env, EnvError, digest_state, quote_action
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.miniwob import actions as action_space
from agentrl.environments.miniwob.browser import Tab, shared_browser
from agentrl.environments.miniwob.dom import elements, render_dom
from agentrl.environments.miniwob.reward import REWARDS, episode_reward, success
from agentrl.environments.miniwob.tasks import (
    DEFAULT_SPLIT_SIZES,
    html_dir,
    make_tasks,
    task_info,
    task_names,
)

DATA_MODES = ("train", "test")  # core.setDataMode: the problem distribution of *-transfer tasks


class MiniWoBEnv(Env):
    """MiniWoB++ in headless Chromium on a virtual clock.

    Args:
        task: one task's name (``"click-button"``); the env id is then ``miniwob/<task>``.
        tasks: several task names (the id is ``miniwob``); None with ``task`` None: all.
        step_ms: page time that passes per step (the time limit and the time-scaled reward
            follow it).
        reward: ``original`` (time-scaled, the package's default), ``raw`` or ``binary``.
        screenshots: put a PNG of the task area in each observation.
        boxes: show each element's box (x, y, w, h) in the text.
        data_mode: the pages' ``core.setDataMode`` (``train``, as the package's default).
        split_sizes: seeds per task and split (default train 500, valid 50, heldout 100).
        max_turns: turn limit; default the steps until the task's own time limit.
    """

    def __init__(self, task: str | None = None, tasks: Sequence[str] | None = None, *,
                 step_ms: int = 1000, reward: str = "original", screenshots: bool = True,
                 boxes: bool = True, data_mode: str = "train",
                 split_sizes: dict[str, int] | None = None, max_turns: int | None = None) -> None:
        if task is not None and tasks is not None:
            raise ValueError("miniwob: give task (one) or tasks (several), not both")
        self.names = [task] if task is not None else list(tasks or task_names())
        if not self.names:
            raise ValueError("miniwob: tasks is empty; name at least one task")
        infos = [task_info(name) for name in self.names]  # unknown names fail here
        if type(step_ms) is not int or step_ms < 1:
            raise ValueError(f"miniwob: step_ms must be a positive int (ms), got {step_ms!r}")
        if reward not in REWARDS:
            raise ValueError(f"miniwob: reward={reward!r} is not one of {', '.join(REWARDS)}")
        if data_mode not in DATA_MODES:
            raise ValueError(f"miniwob: data_mode={data_mode!r}; use one of {DATA_MODES}")
        self.sizes = dict(split_sizes or DEFAULT_SPLIT_SIZES)
        if any(type(n) is not int or n < 0 for n in self.sizes.values()):
            raise ValueError(f"miniwob: split_sizes must map splits to counts, got {self.sizes}")
        self.step_ms, self.reward_kind, self.data_mode = step_ms, reward, data_mode
        self.screenshots, self.boxes = screenshots, boxes
        limit = max(math.ceil(info.episode_ms / step_ms) for info in infos)
        self.spec = EnvSpec(
            id=f"miniwob/{task}" if task is not None else "miniwob",
            max_turns=max_turns or limit, splits=tuple(self.sizes),
            description="A MiniWoB++ web task in a 160x210 browser area. "
            + action_space.ACTION_HELP,
            step_rewards_include_outcome=True,
        )
        self._tab: Tab | None = None
        self._tasks: dict[str, list[Task]] = {}
        self._task: Task | None = None
        self._state: dict[str, Any] = {}
        self._fields: list[tuple[str, str]] = []
        self._turn = 0
        self._over = True

    # --- tasks --------------------------------------------------------------------------

    def tasks(self, split: str) -> Sequence[Task]:
        """``split_sizes[split]`` seeded episodes of each task, task by task."""
        if split not in self._tasks:
            self._tasks[split] = make_tasks(self.spec.id, self.names, split, self.sizes)
        return self._tasks[split]

    def _resolve(self, task: Task | None, seed: int | None) -> Task:
        if task is None:
            train = self.tasks(self.spec.splits[0] if "train" not in self.sizes else "train")
            if not train:
                raise ValueError("miniwob: reset() without a task needs a non-empty train split")
            return train[(seed or 0) % len(train)]
        name = task.metadata.get("task")
        if name not in self.names or type(task.metadata.get("seed")) is not int:
            raise ValueError(f"miniwob: task {task.id!r} is not one of this env's tasks "
                             f"({', '.join(self.names[:5])}…); take tasks from env.tasks(split)")
        return task

    # --- episode ------------------------------------------------------------------------

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Load the task's page afresh and start its episode with the task's seed."""
        self._task = self._resolve(task, seed)
        name = self._task.metadata["task"]
        if self._tab is None:
            self._tab = Tab(shared_browser())
        url = (html_dir() / "miniwob" / f"{name}.html").as_uri()
        try:
            self._tab.start(url, self._task.metadata["seed"], self.data_mode)
            state, png = self._tab.observe(self.screenshots)
        except Exception as error:
            raise EnvError(f"miniwob: {name} did not start in Chromium: {error}") from error
        self._fields = self._extract_fields(name, state)
        self._turn, self._over = 0, False
        return self._observation(state, png, note=None)

    def step(self, action: str) -> StepResult:
        """Parse and run one action, let ``step_ms`` pass, and read the page's reward."""
        if self._over or self._tab is None:
            raise RuntimeError("miniwob: the episode is over; call reset()")
        self._turn += 1
        note, parsed = None, None
        try:
            parsed = action_space.parse_action(str(action), len(self._fields))
        except action_space.ParseError as error:
            note = f"Invalid action {quote_action(str(action), 60)}: {error}."
        if parsed is not None and (missing := self._missing_ref(parsed)):
            note, parsed = missing, None
        note = self._perform(parsed) or note
        try:
            state, png = self._tab.observe(self.screenshots)
        except Exception as error:
            self._over = True
            raise EnvError(f"miniwob: the page stopped answering: {error}") from error
        done = bool(state.get("done"))
        truncated = not done and self._turn >= self.spec.max_turns
        self._over = done or truncated
        valid = parsed is not None and note is None
        info: dict[str, Any] = {
            "action_valid": valid, "success": success(state),
            "task": self._task.metadata["task"] if self._task else None,
            "elapsed_ms": self._turn * self.step_ms,
        }
        if self._over:
            info["outcome_reward"] = episode_reward(state, self.reward_kind)
            info["reward_components"] = {"raw": float(state.get("raw_reward") or 0.0),
                                         "original": float(state.get("env_reward") or 0.0)}
            info["reason"] = None if state.get("reason") is None else str(state["reason"])
        return StepResult(observation=self._observation(state, png, note),
                          reward=episode_reward(state, self.reward_kind),
                          terminated=done, truncated=truncated, info=info)

    def _missing_ref(self, parsed: action_space.Action) -> str | None:
        """Why ``parsed`` names an element the last observation did not show, or None."""
        if parsed.kind not in action_space.REF_ACTIONS:
            return None
        if parsed.args[0] in {node.get("ref") for node in elements(self._state.get("dom"))}:
            return None
        return f"Invalid action {parsed}: no element with ref {parsed.args[0]} on the page."

    def _perform(self, parsed: action_space.Action | None) -> str | None:
        """Run the action (None: let time pass); a note when it could not be carried out."""
        fields = self._fields

        def act(page: Any) -> str | None:
            return None if parsed is None else action_space.execute(parsed, page, fields)

        try:
            return self._tab.perform(act, self.step_ms)
        except RuntimeError as error:
            if "browser is closed" in str(error):
                raise EnvError(str(error)) from error
            return f"The action {parsed} failed in the browser: {str(error)[:160]}"
        except Exception as error:  # noqa: BLE001 - playwright's Error: the agent's action
            return f"The action {parsed} failed in the browser: {str(error)[:160]}"

    @staticmethod
    def _extract_fields(name: str, state: dict[str, Any]) -> list[tuple[str, str]]:
        if isinstance(state.get("fields"), dict):
            return [(str(k), str(v)) for k, v in state["fields"].items()]
        from miniwob.fields import get_field_extractor

        return [(str(k), str(v)) for k, v in get_field_extractor(name)(state["utterance"])]

    def _observation(self, state: dict[str, Any], png: bytes | None,
                     note: str | None) -> Observation:
        self._state = state
        page = render_dom(state.get("dom"), boxes=self.boxes)
        lines = [note] if note else []
        lines.append(f"Task: {state.get('utterance', '')}")
        if self._fields:
            lines.append("Fields: " + "; ".join(f"{i} {k}={v!r}"
                                               for i, (k, v) in enumerate(self._fields)))
        if state.get("done"):
            lines.append(f"Episode over: reward {episode_reward(state, self.reward_kind):.2f} "
                         f"(raw {float(state.get('raw_reward') or 0):.2f}, "
                         f"{state.get('reason') or 'done'}).")
        lines.append(f"Time: {self._turn * self.step_ms} of "
                     f"{task_info(self._task.metadata['task']).episode_ms} ms.")
        lines += ["Page ([ref] tag 'text' value @x,y,w,h):", page]
        key = digest_state(self._task.metadata["task"], state.get("utterance"), page,
                           bool(state.get("done")))
        images = [base64.b64encode(png).decode()] if png is not None else []
        return Observation(text="\n".join(lines), images=images, state_key=key)

    @property
    def page_state(self) -> dict[str, Any]:
        """The last observation's page state: ``utterance``, ``dom`` (core.getDOMInfo's
        tree), ``done`` and the reward globals, plus ``fields`` as the agent was shown them."""
        return {**self._state, "fields": list(self._fields)}

    def demonstration(self, task: Task) -> list[str] | None:
        """The oracle's actions on ``task`` (`oracle.solve`), or None for tasks without one."""
        from agentrl.environments.miniwob.oracle import solve

        return solve(self, task)

    def close(self) -> None:
        """Close this env's page (the shared browser stays up); safe to call twice."""
        tab, self._tab = self._tab, None
        self._over = True
        if tab is not None:
            tab.close()


