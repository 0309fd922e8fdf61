"""SWE env: fix a bug in a repository inside a sandbox, judged by hidden tests.

Each episode copies the task's buggy repository into a fresh (or reset, warm) sandbox.
The agent explores and edits with a small tool set (`agentrl.environments.swe.actions`),
then submits; the env restores the test files, applies the instance's ``test_patch`` and
runs FAIL_TO_PASS + PASS_TO_PASS inside the sandbox. Step rewards follow G-RA's SWE setting
(`agentrl.environments.swe.reward`). ``state_key`` digests the repository diff against the
original checkout plus the last command, so two rollouts that made the same edits and ran
the same command share a key.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from agentrl.core.env import Env, digest_state
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.swe import evaluate
from agentrl.environments.swe.actions import (
    TEXT_FORMAT_HELP,
    TOOLS,
    Action,
    ActionError,
    parse_text_action,
    parse_tool_call,
)
from agentrl.environments.swe.generate import generated_instances
from agentrl.environments.swe.loader import instance_to_task, load_instances
from agentrl.environments.swe.oracle import oracle_actions
from agentrl.environments.swe.repo import unified_diff
from agentrl.environments.swe.reward import (
    outcome_level,
    outcome_reward,
    python_compiles,
    step_components,
)
from agentrl.environments.swe.tools import run_action
from agentrl.sandbox import Sandbox, SandboxPool, create

ENV_ID = "swe"
DESCRIPTION = (
    "You are a software engineer in a repository with a reported bug. Explore the code, fix "
    "the bug in the library (not the tests), then submit. One action per turn.\nText "
    "actions" + TEXT_FORMAT_HELP
)
TOOL_DESCRIPTION = (
    "You are a software engineer in a repository with a reported bug. Explore the code, fix "
    "the bug in the library (not the tests), then call submit. Call exactly one tool per turn."
)


class SweEnv(Env):
    """Bug fixing in a sandboxed repository; see the module docstring.

    Args: ``backend`` sandbox backend (bwrap, docker, local); ``tool_calls`` tool-call actions
    instead of text; ``data_path`` / ``repos_dir`` SWE-bench JSONL and checkouts instead of the
    generated tasks; ``max_tasks_per_project`` cap on generated tasks per project;
    ``outcome`` ``binary`` or ``level`` (`reward.outcome_reward`); ``step_test_reward`` run
    the targeted tests after each compiling edit; ``immediate_rewards`` put the step
    components' sum into ``StepResult.reward``; ``pool`` a shared `SandboxPool`.
    """

    def __init__(
        self,
        backend: str = "bwrap",
        tool_calls: bool = False,
        max_turns: int = 30,
        data_path: str | None = None,
        repos_dir: str | None = None,
        max_tasks_per_project: int | None = None,
        outcome: str = "binary",
        step_test_reward: bool = True,
        immediate_rewards: bool = True,
        command_timeout_s: float = 30.0,
        test_timeout_s: float = 120.0,
        max_observation_chars: int = 6000,
        sandbox_limits: dict[str, Any] | None = None,
        pool: SandboxPool | None = None,
    ) -> None:
        outcome_reward("tests_pass", outcome)  # validates ``outcome`` early
        self.spec = EnvSpec(
            id=ENV_ID,
            max_turns=max_turns,
            action_format="tool_call" if tool_calls else "text",
            description=TOOL_DESCRIPTION if tool_calls else DESCRIPTION,
            step_rewards_include_outcome=False,  # submit pays 0; R comes as outcome_reward
        )
        self.backend, self.tool_calls, self.pool = backend, tool_calls, pool
        self.data_path, self.repos_dir = data_path, repos_dir
        self.max_tasks_per_project, self.outcome = max_tasks_per_project, outcome
        self.step_test_reward, self.immediate_rewards = step_test_reward, immediate_rewards
        self.command_timeout_s, self.test_timeout_s = command_timeout_s, test_timeout_s
        self.max_observation_chars = max_observation_chars
        self.sandbox_limits = dict(sandbox_limits or {})
        self._instances: list[dict[str, Any]] | None = None
        self._sandbox: Sandbox | None = None
        self._task: Task | None = None
        self._pristine: dict[str, str] = {}
        self._turn, self._done, self._last = 0, True, ""

    # -- tasks -------------------------------------------------------------------------
    def instances(self) -> list[dict[str, Any]]:
        """Every instance: loaded from ``data_path`` or generated (cached)."""
        if self._instances is None:
            if self.data_path:
                self._instances = load_instances(self.data_path, self.repos_dir)
            else:
                self._instances = generated_instances(self.max_tasks_per_project)
        return self._instances

    def tasks(self, split: str) -> Sequence[Task]:
        """The instances of ``split`` as tasks; `ValueError` for an unknown split."""
        if split not in self.spec.splits:
            raise ValueError(f"unknown split {split!r}; splits: {', '.join(self.spec.splits)}")
        return [
            instance_to_task(i, ENV_ID)
            for i in self.instances()
            if i.get("split", "train") == split
        ]

    # -- episode -------------------------------------------------------------------------
    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """Copy the task's repository into a fresh sandbox; the observation lists its files.

        With no ``task``, a train task is chosen by ``seed``.
        """
        if task is None:
            train = self.tasks("train")
            if not train:
                raise ValueError("the swe env has no train tasks; generate or load some")
            task = train[(seed or 0) % len(train)]
        instance = task.metadata["instance"]
        self._pristine = evaluate.task_files(instance)
        sandbox = self._fresh_sandbox()
        evaluate.upload_files(sandbox, self._pristine)
        self._task, self._turn, self._done, self._last = task, 0, False, ""
        listing = "\n".join(f"  {path}" for path in sorted(self._pristine))
        text = (
            f"Issue:\n{task.instruction}\n\nRepository files:\n{listing}\n\n"
            "You are in the repository root. Fix the issue, then submit."
        )
        return self._observation(text, diff="")

    def _fresh_sandbox(self) -> Sandbox:
        if self._sandbox is not None and not self._sandbox.closed:
            self._sandbox.reset()
        elif self.pool is not None:
            self._sandbox = self.pool.acquire()
        else:
            self._sandbox = create(self.backend, **self.sandbox_limits)
        return self._sandbox

    def step(self, action: str) -> StepResult:
        """Run one tool action, or grade the patch on ``submit``.

        `RuntimeError` before `reset` or after the episode ended.
        """
        if self._task is None or self._done or self._sandbox is None:
            raise RuntimeError("step() called before reset() or after the episode ended")
        self._turn += 1
        try:
            parsed = parse_tool_call(action) if self.tool_calls else parse_text_action(action)
        except ActionError as error:
            self._last = "invalid"
            return self._finish_step(f"Invalid action: {error}", step_components(), valid=False)
        self._last = parsed.canonical()
        if parsed.name == "submit":
            return self._submit()
        return self._tool_step(parsed)

    def _tool_step(self, action: Action) -> StepResult:
        assert self._sandbox is not None and self._task is not None
        result = run_action(self._sandbox, action, self.command_timeout_s)
        edited = result.edited_path
        compiles = targeted = False
        if edited is not None:
            compiles = not edited.endswith(".py") or python_compiles(
                self._sandbox.read_file(edited), edited
            )
            if compiles and self.step_test_reward:
                instance = self._task.metadata["instance"]
                targeted = evaluate.targeted_tests_pass(
                    self._sandbox, instance, self.test_timeout_s
                )
        components = step_components(edited is not None, compiles, targeted)
        return self._finish_step(result.text, components, valid=result.valid)

    def _finish_step(self, text: str, components: dict[str, float], valid: bool) -> StepResult:
        truncated = self._turn >= self.spec.max_turns
        info: dict[str, Any] = {
            "success": False,
            "action_valid": valid,
            "reward_components": components,
        }
        if truncated:
            self._done = True
            info["outcome_level"] = outcome_level(False, "", False)
            info["outcome_reward"] = outcome_reward(info["outcome_level"], self.outcome)
            text += "\n[turn limit reached without a submission]"
        return StepResult(
            observation=self._observation(text, self._current_diff()),
            reward=sum(components.values()) if self.immediate_rewards else 0.0,
            truncated=truncated,
            info=info,
        )

    def _submit(self) -> StepResult:
        assert self._sandbox is not None and self._task is not None
        instance = self._task.metadata["instance"]
        patch = self._current_diff()
        resolved, statuses = False, {}
        if patch.strip():
            resolved, statuses = evaluate.evaluate_submission(
                self._sandbox, instance, self._pristine, self.test_timeout_s
            )
        level = outcome_level(True, patch, resolved)
        self._done = True
        failed = sorted(
            t
            for t in instance["FAIL_TO_PASS"] + instance["PASS_TO_PASS"]
            if statuses.get(t) != "PASSED"
        )
        text = f"Submitted. Outcome: {level.replace('_', ' ')}."
        return StepResult(
            observation=self._observation(text, patch),
            reward=0.0,
            terminated=True,
            info={
                "success": resolved,
                "action_valid": True,
                "reward_components": step_components(),
                "outcome_level": level,
                "outcome_reward": outcome_reward(level, self.outcome),
                "patch": patch,
                "failed_tests": failed if patch.strip() else [],
            },
        )

    def _current_diff(self) -> str:
        assert self._sandbox is not None
        current = {}
        for path in self._sandbox.list_files():
            if "__pycache__" in path or path.startswith(".pytest_cache/"):
                continue
            try:
                current[path] = self._sandbox.read_file(path)
            except (OSError, PermissionError):
                continue
        return unified_diff(self._pristine, current)

    def _observation(self, text: str, diff: str) -> Observation:
        limit = self.max_observation_chars
        if len(text) > limit:
            text = text[:limit] + f"\n[observation cut at {limit} characters]"
        return Observation(
            text=text,
            tools=TOOLS if self.tool_calls else None,
            state_key=digest_state(diff, self._last),
        )

    def demonstration(self, task: Task) -> list[str] | None:
        """Undo the bug with one edit, then submit (`oracle.oracle_actions`)."""
        return oracle_actions(task, tool_calls=self.tool_calls)

    def close(self) -> None:
        """Give the sandbox back to the pool, or close it when there is no pool."""
        sandbox, self._sandbox = self._sandbox, None
        if sandbox is None:
            return
        if self.pool is not None:
            self.pool.release(sandbox)
        else:
            sandbox.close()
