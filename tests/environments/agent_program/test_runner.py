"""Agent programs written with the plain `openai` client, through the real rollout runner
with a tiny random transformer: one turn per call, the program's messages as prompts,
state keys from tool results, the program's reward, errors, isolated episodes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import agentrl
from agentrl.core.types import Task, Trajectory
from agentrl.environments.agent_program.completions import parse_tool_calls, state_key
from agentrl.policy.hf import HFPolicy
from agentrl.rollout import RolloutOptions, RolloutRunner
from tests.environments.agent_program.programs import LOOKUP_TOOL

pytestmark = pytest.mark.slow

PROGRAMS = "tests.environments.agent_program.programs"
LOOKUP_JAPAN = '<tool_call>{"name": "capital_of", "arguments": {"country": "Japan"}}</tool_call>'


@pytest.fixture(scope="module")
def policy() -> Iterator[HFPolicy]:
    yield HFPolicy.from_name("tiny:llama")


def _run(policy: HFPolicy, program: str, **env_kwargs: Any) -> list[Trajectory]:
    def make() -> Any:
        return agentrl.make("agent-program", program=f"{PROGRAMS}:{program}",
                            tasks=f"{PROGRAMS}:TASKS", call_timeout_s=60, **env_kwargs)

    options = RolloutOptions(group_size=2)
    options.sampling.max_new_tokens = 8
    # Every reply starts with a call of the tool, so the program's path is known.
    options.prompt.response_prefix = LOOKUP_JAPAN
    tasks = list(make().tasks("train"))
    runner = RolloutRunner(make, policy, options)
    try:
        return runner.run(tasks, seed=3, progress=False)
    finally:
        runner.close()


def test_each_call_is_a_turn_prompted_with_the_programs_own_messages(policy: HFPolicy) -> None:
    trajectories = _run(policy, "lookup_agent")
    assert [(t.task.id, t.errored) for t in trajectories] == [
        ("france", False), ("france", False), ("japan", False), ("japan", False)]
    for trajectory in trajectories:
        calls = 3 if trajectory.task.id == "japan" else 2  # japan asks a follow-up
        turns = trajectory.turns
        assert len(turns) == calls
        assert turns[-1].info["calls"] == calls  # the program's own count
        for turn in turns:
            assert turn.observation.tools == [LOOKUP_TOOL]
            assert len(turn.action_ids) == len(turn.action_logprobs) > 0
        # The second call shows this episode's own first reply, then the tool's result.
        text, tool_calls = parse_tool_calls(turns[0].response, 0)
        assistant, tool = turns[1].observation.messages[2:4]
        assert assistant["content"] == (text or None)
        assert assistant["tool_calls"] == tool_calls
        assert tool == {"role": "tool", "tool_call_id": "call_0_0", "content": "Tokyo"}


def test_state_keys_digest_what_the_program_showed_since_its_last_call(
        policy: HFPolicy) -> None:
    trajectories = _run(policy, "lookup_agent")
    opening = [{"role": "system", "content": "Answer questions; use tools when they help."}]
    for trajectory in trajectories:
        keys = [turn.state_key for turn in trajectory.turns]
        shown = [*opening, {"role": "user", "content": trajectory.task.instruction}]
        assert keys[0] == state_key(shown)
        # Both rollouts of a group saw the same tool result: the same key (a GiGPO anchor).
        assert keys[1] == state_key([{"role": "tool", "content": "Tokyo"}])
        if trajectory.task.id == "japan":
            assert keys[2] == state_key(
                [{"role": "user", "content": "Are you sure? Answer once more."}])


def test_the_programs_return_value_is_the_outcome(policy: HFPolicy) -> None:
    for trajectory in _run(policy, "lookup_agent"):
        # The forced call looks up Japan: 0.5 on the japan task, 0 on france; the tiny
        # model's random answer names neither capital.
        expected = 0.5 if trajectory.task.id == "japan" else 0.0
        assert trajectory.outcome_reward == expected
        assert trajectory.turns[-1].reward == expected
        assert [turn.reward for turn in trajectory.turns[:-1]] == [0.0] * (
            len(trajectory.turns) - 1)
        assert trajectory.success is False  # below success_threshold=1.0
        assert not trajectory.truncated


def test_a_program_that_raises_errors_its_episode_naming_the_exception(
        policy: HFPolicy) -> None:
    trajectories = _run(policy, "raising_agent")
    assert len(trajectories) == 4
    for trajectory in trajectories:
        assert trajectory.errored
        assert "KeyError" in trajectory.error and "missing_field" in trajectory.error


def test_a_program_cut_at_max_turns_is_truncated(policy: HFPolicy) -> None:
    for trajectory in _run(policy, "lookup_agent", max_turns=1):
        assert len(trajectory.turns) == 1
        assert trajectory.truncated and not trajectory.errored
        assert trajectory.outcome_reward == 0.0


def test_reset_errors_name_a_silent_or_slow_program() -> None:
    silent = agentrl.make("agent-program", program=f"{PROGRAMS}:silent_agent",
                          tasks=f"{PROGRAMS}:TASKS")
    task = silent.tasks("train")[0]
    with pytest.raises(RuntimeError, match="returned before calling the model"):
        silent.reset(task)
    slow = agentrl.make("agent-program", program=f"{PROGRAMS}:slow_agent",
                        tasks=f"{PROGRAMS}:TASKS", call_timeout_s=0.5)
    with pytest.raises(TimeoutError, match="call_timeout_s=0.5"):
        slow.reset(task)


def test_bad_arguments_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="module:function"):
        agentrl.make("agent-program", program="not_a_path")
    with pytest.raises(ValueError, match="cannot be loaded"):
        agentrl.make("agent-program", program=f"{PROGRAMS}:no_such_program")
    task = Task(id="t", env_id="agent-program")
    with pytest.raises(ValueError, match="repeat"):
        agentrl.make("agent-program", program=f"{PROGRAMS}:lookup_agent", tasks=[task, task])
