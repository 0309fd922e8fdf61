"""`HarborEnv`: Harbor task folders as episodes in agentrl's sandboxes."""

from __future__ import annotations

import base64
import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from agentrl.core.env import Env, digest_state
from agentrl.core.types import STANDARD_SPLITS, EnvSpec, Observation, StepResult, Task
from agentrl.environments.harbor.sandbox import (
    HIDDEN,
    open_sandbox,
    seed_workdir,
    upload_hidden,
)
from agentrl.environments.harbor.task import HarborTask, find_tasks
from agentrl.environments.swe.actions import TEXT_FORMAT_HELP, ActionError, parse_text_action
from agentrl.environments.swe.tools import run_action
from agentrl.sandbox import Sandbox

DESCRIPTION = ("You are working in a Linux sandbox on the task below. One action per turn; "
               "when the task is done, submit and the task's tests judge it.\nText actions"
               + TEXT_FORMAT_HELP)


class HarborEnv(Env):
    """Harbor task folders (``instruction.md``, ``task.toml``, ``environment/``,
    ``tests/test.sh``, ``solution/``) as agentrl episodes.

    ``path`` is one task folder or a folder of them (default: the shipped examples).
    Harbor sets have no splits: every task goes to ``split`` (default ``train``; say
    ``heldout`` for an evaluation set), the other splits are empty, so splits stay disjoint.
    Actions are the SWE
    family's text actions (``bash:``, ``view:``, ``create:``, ``str_replace:``, ``submit``).
    ``submit`` (or the last turn) runs ``tests/test.sh``; the reward is
    ``/logs/verifier/reward.json``'s ``reward`` or ``reward.txt``, as Harbor reads them, else
    1.0 when test.sh exits 0 and 0.0 otherwise. ``backend``: ``docker`` builds the task's
    Dockerfile locally, ``bwrap`` runs without an image (starting files from
    ``environment/workspace/``), ``auto`` picks docker when the task has a Dockerfile.
    """

    def __init__(self, path: str | Path | None = None, *,
                 backend: Literal["auto", "docker", "bwrap"] = "auto",
                 max_turns: int = 20, command_timeout_s: float = 30.0, split: str = "train",
                 env_id: str = "harbor") -> None:
        if backend not in ("auto", "docker", "bwrap"):
            raise ValueError(f"backend={backend!r}; use 'auto', 'docker' or 'bwrap'")
        folder = Path(__file__).with_name("examples") if path is None else path
        self.harbor_tasks = {task.name: task for task in find_tasks(folder)}
        self.backend, self.split = backend, split
        self.command_timeout_s = command_timeout_s
        splits = tuple(dict.fromkeys((*STANDARD_SPLITS, split)))
        self.spec = EnvSpec(id=env_id, max_turns=max_turns, description=DESCRIPTION,
                            splits=splits, step_rewards_include_outcome=True)
        self._sandbox: Sandbox | None = None
        self._task: HarborTask | None = None
        self._turn, self._over, self._history = 0, True, ""

    def tasks(self, split: str) -> Sequence[Task]:
        """Every task folder, in name order, for ``self.split``; none for the other splits."""
        if split not in self.spec.splits:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(self.spec.splits)}")
        if split != self.split:
            return []
        return [Task(id=name, env_id=self.spec.id, split=split, instruction=task.instruction,
                     metadata={"path": str(task.path)})
                for name, task in self.harbor_tasks.items()]

    def backend_for(self, task: HarborTask) -> str:
        """The sandbox backend ``task`` runs on."""
        if self.backend != "auto":
            return self.backend
        return "docker" if task.dockerfile else "bwrap"

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """A fresh sandbox with the task's starting files; the observation is the instruction."""
        names = list(self.harbor_tasks)
        name = task.id if task is not None else names[(seed or 0) % len(names)]
        if name not in self.harbor_tasks:
            raise ValueError(f"no Harbor task {name!r}; tasks: {', '.join(names)}")
        self.close()
        harbor = self._task = self.harbor_tasks[name]
        limits = {"wall_time_s": max(self.command_timeout_s, harbor.verifier_timeout_s),
                  "memory_mb": harbor.memory_mb}
        self._sandbox = open_sandbox(harbor, self.backend_for(harbor), limits)
        seed_workdir(self._sandbox, harbor)
        self._turn, self._over, self._history = 0, False, ""
        return Observation(text=f"Task:\n{harbor.instruction}",
                           state_key=digest_state(name, self._history))

    def step(self, action: str) -> StepResult:
        """Run one action; ``submit`` or the last turn verifies. Bad actions are explained."""
        if self._over or self._sandbox is None:
            raise RuntimeError("episode is over; call reset()")
        self._turn += 1
        try:
            parsed = parse_text_action(action)
        except ActionError as error:
            return self._result(f"Invalid action: {error}", valid=False, key_part="invalid")
        if parsed.name == "submit":
            return self._finish("Submitted.", truncated=False)
        outcome = run_action(self._sandbox, parsed, self.command_timeout_s)
        return self._result(outcome.text, valid=outcome.valid, key_part=parsed.canonical())

    def _result(self, text: str, *, valid: bool, key_part: str) -> StepResult:
        if valid:
            self._history = digest_state(self._history, key_part)
        if self._turn >= self.spec.max_turns:
            return self._finish(text, truncated=True, valid=valid)
        key = digest_state(self._task.name if self._task else "", self._history)
        return StepResult(observation=Observation(text=text, state_key=key),
                          info={"action_valid": valid})

    def _finish(self, text: str, *, truncated: bool, valid: bool = True) -> StepResult:
        reward, details = self.verify()
        self._over = True
        key = digest_state(self._task.name if self._task else "", self._history, "verified")
        info = {"action_valid": valid, "success": reward >= 1.0, "outcome_reward": reward,
                "verifier": details}
        return StepResult(observation=Observation(text=f"{text}\nTests: reward {reward:g}.",
                                                  state_key=key),
                          reward=reward, terminated=not truncated, truncated=truncated, info=info)

    def verify(self) -> tuple[float, dict[str, Any]]:
        """Run ``tests/test.sh`` as Harbor does; the reward and what the verifier said."""
        sandbox, task = self._require()
        if sandbox.backend == "docker":  # stop what the agent left running
            sandbox.exec("kill -9 -1", timeout=10)
        sandbox.exec(f"rm -rf /workspace/{HIDDEN}", timeout=60)
        upload_hidden(sandbox, task, "tests")
        sandbox.exec(f"mkdir -p /workspace/{HIDDEN}/logs/verifier /workspace/{HIDDEN}/logs/agent",
                     timeout=10)
        result = sandbox.exec("bash /tests/test.sh > /logs/verifier/test-stdout.txt 2>&1",
                              timeout=task.verifier_timeout_s)
        details = {"exit_code": result.exit_code, "timed_out": result.timed_out}
        return read_reward(sandbox, result.exit_code, details), details

    def run_oracle(self) -> float:
        """Run ``solution/solve.sh`` in the current episode, then verify: the oracle's reward."""
        sandbox, task = self._require()
        upload_hidden(sandbox, task, "solution")
        sandbox.exec("bash /solution/solve.sh", timeout=task.agent_timeout_s)
        self._over = True
        return self.verify()[0]

    def demonstration(self, task: Task) -> list[str] | None:
        """solve.sh as one ``bash:`` action, then ``submit`` (when solution/ is only solve.sh)."""
        folder = self.harbor_tasks[task.id].path / "solution"
        if [p.name for p in folder.iterdir()] != ["solve.sh"]:
            return None
        script = base64.b64encode((folder / "solve.sh").read_bytes()).decode()
        return [f"bash: echo {script} | base64 -d | bash", "submit"]

    def _require(self) -> tuple[Sandbox, HarborTask]:
        if self._sandbox is None or self._task is None:
            raise RuntimeError("no episode; call reset()")
        return self._sandbox, self._task

    def close(self) -> None:
        """Remove the sandbox (container or bwrap workdir). Safe to repeat."""
        sandbox, self._sandbox = self._sandbox, None
        self._over = True
        if sandbox is not None:
            sandbox.close()


def read_reward(sandbox: Sandbox, exit_code: int, details: dict[str, Any]) -> float:
    """Harbor's reward files (reward.json's ``reward``, then reward.txt), else the exit status."""
    for name in ("reward.json", "reward.txt"):
        try:
            text = sandbox.read_file(f"{HIDDEN}/logs/verifier/{name}")
        except (FileNotFoundError, PermissionError):
            continue
        try:
            value = json.loads(text)
            value = value.get("reward") if isinstance(value, dict) else value
            reward = float(value)
        except (ValueError, TypeError):
            details["reward_file_error"] = f"{name} holds no number: {text[:80]!r}"
            return 0.0
        if math.isfinite(reward):
            details["reward_file"] = name
            return reward
    return 1.0 if exit_code == 0 else 0.0
