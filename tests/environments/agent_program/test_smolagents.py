"""A real agent framework from PyPI (smolagents' `ToolCallingAgent`) through the rollout
runner with a tiny transformer: each of its LLM calls is a turn."""

from __future__ import annotations

from typing import Any

import pytest

import agentrl
from agentrl.environments.agent_program.completions import state_key
from agentrl.policy.hf import HFPolicy
from agentrl.rollout import RolloutOptions, RolloutRunner

pytest.importorskip("smolagents")
pytestmark = pytest.mark.slow

PROGRAMS = "tests.environments.agent_program"
CALL = '<tool_call>{"name": "capital", "arguments": {"country": "Japan"}}</tool_call>'


def test_a_smolagents_agent_is_trained_on_one_turn_per_llm_call() -> None:
    from tests.environments.agent_program.smol_programs import MAX_STEPS

    def make() -> Any:
        return agentrl.make("agent-program",
                            program=f"{PROGRAMS}.smol_programs:smolagents_agent",
                            tasks=f"{PROGRAMS}.programs:TASKS", call_timeout_s=60)

    options = RolloutOptions(group_size=2)
    options.sampling.max_new_tokens = 8
    options.prompt.response_prefix = CALL  # every step calls the tool
    runner = RolloutRunner(make, HFPolicy.from_name("tiny:llama"), options)
    try:
        trajectories = runner.run(list(make().tasks("train"))[:1], seed=0, progress=False)
    finally:
        runner.close()
    for trajectory in trajectories:
        assert not trajectory.errored, trajectory.error
        # MAX_STEPS tool-calling steps, then smolagents' own "provide a final answer" call.
        assert len(trajectory.turns) == MAX_STEPS + 1
        second = trajectory.turns[1]
        # What the agent showed the model after the first call: the tool's output.
        assert second.state_key == state_key(
            [{"role": "user", "content": "Observation:\nTokyo"}])
        assert second.observation.tools and second.observation.tools[0]["function"]["name"] \
            == "capital"
        assert trajectory.turns[-1].info["answer"]  # the program's returned info
        assert trajectory.outcome_reward == 0.0  # a random model's answer is not "Paris"
    assert trajectories[0].turns[1].state_key == trajectories[1].turns[1].state_key
