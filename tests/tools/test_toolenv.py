"""ToolEnv: tool calls in, observations out; answers scored; bad calls explained."""

from __future__ import annotations

import asyncio
import json

import pytest

import agentrl
from agentrl.core.check_env import check_env
from agentrl.core.types import Task
from agentrl.tools import ToolEnv, tool


@tool
def weather(city: str) -> str:
    """Today's weather in a city.

    Args:
        city: The city name.
    """
    return {"Paris": "sunny", "Oslo": "snow"}.get(city, "unknown")


@tool
async def add(a: int, b: int) -> dict:
    """Add two integers."""
    await asyncio.sleep(0)
    return {"sum": a + b}


@tool
def crash(text: str) -> str:
    """Always raises."""
    raise KeyError(text)


@tool
def long_text(n: int) -> str:
    """n characters."""
    return "x" * n


TASKS = [
    Task(id="w1", env_id="tools/custom", instruction="Weather in Paris?", ground_truth="sunny"),
    Task(id="w2", env_id="tools/custom", instruction="Weather in Oslo?", ground_truth="snow"),
    Task(id="v1", env_id="tools/custom", split="valid", instruction="1+2?", ground_truth="3"),
]


def call(name: str, **arguments) -> str:
    return f"<tool_call>{json.dumps({'name': name, 'arguments': arguments})}</tool_call>"


@pytest.fixture
def env():
    environment = ToolEnv(
        tools=[weather, add, crash, long_text], tasks=TASKS, components={"f1": "f1"},
        max_turns=4, max_result_chars=10,
    )  # fmt: skip
    yield environment
    environment.close()


def test_reset_shows_instruction_and_openai_tool_specs(env):
    obs = env.reset(seed=1)
    assert obs.text == "Weather in Oslo?"
    assert [spec["function"]["name"] for spec in obs.tools] == [
        "weather", "add", "crash", "long_text", "final_answer",
    ]  # fmt: skip
    assert env.spec.action_format == "tool_call"
    assert [t.id for t in env.tasks("valid")] == ["v1"]


def test_episode_runs_tools_then_scores_answer(env):
    env.reset(TASKS[0])
    result = env.step(call("weather", city="Paris"))
    assert (result.observation.text, result.reward, result.terminated) == ("sunny", 0.0, False)
    assert result.info == {"success": False, "action_valid": True, "reward_components": {}}
    final = env.step("<answer>Sunny</answer>")
    assert final.terminated and final.reward == 1.0
    assert final.info["outcome_reward"] == 1.0 and final.info["success"]
    assert final.info["reward_components"] == {"exact_match": 1.0, "f1": 1.0}
    with pytest.raises(RuntimeError, match="after the episode ended"):
        env.step("<answer>x</answer>")


def test_async_tool_runs_and_dict_result_is_json(env):
    env.reset(TASKS[2])
    assert env.step("<action>add(1, b=2)</action>").observation.text == '{"sum": 3}'


def test_bad_calls_are_observations_not_exceptions(env):
    env.reset(TASKS[0])
    start_key = env.reset(TASKS[0]).state_key
    unknown = env.step(call("wether", city="Paris"))
    assert unknown.observation.text == (
        "Unknown tool 'wether'; available tools: weather, add, crash, long_text, final_answer."
    )
    assert unknown.info["action_valid"] is False
    bad_args = env.step(call("weather", town="Paris"))
    assert bad_args.observation.text == (
        "Invalid arguments for tool 'weather': 2 validation errors for weather\ncity\n"
        "  Field required [type=missing, input_value={'town': 'Paris'}, input_type=dict]\n"
        "town\n  Extra inputs are not permitted [type=extra_forbidden, input_value='Paris', "
        "input_type=str]"
    )
    raised = env.step(call("crash", text="boom"))
    assert raised.observation.text == "Tool 'crash' failed: KeyError: 'boom'"
    assert not raised.info["action_valid"]
    # Nothing ran successfully, so the agent knows no more than at the start.
    assert raised.observation.state_key == start_key


def test_no_call_then_truncation_at_max_turns(env):
    env.reset(TASKS[0])
    for _ in range(3):
        assert env.step("hmm").info["action_valid"] is False
    last = env.step("hmm")
    assert last.truncated and not last.terminated
    assert last.info["outcome_reward"] == 0.0
    assert last.observation.text.endswith("Turn limit (4) reached without an answer.")


def test_results_are_truncated_with_a_note(env):
    env.reset(TASKS[0])
    text = env.step(call("long_text", n=25)).observation.text
    assert text == "xxxxxxxxxx\n... [truncated 15 more characters]"


def test_state_key_is_the_call_history(env):
    env.reset(TASKS[0])
    a = env.step(call("weather", city="Paris")).observation.state_key
    env.reset(TASKS[0])
    b = env.step('<action>weather(city="Paris")</action>').observation.state_key
    c = env.step(call("weather", city="Oslo")).observation.state_key
    assert a == b != c


def test_several_calls_in_one_reply_are_labelled(env):
    env.reset(TASKS[0])
    text = env.step(call("weather", city="Paris") + call("weather", city="Oslo")).observation.text
    assert text == "[weather] sunny\n\n[weather] snow"


def test_register_makes_fresh_copies_and_passes_check_env(env):
    env_id = env.register("tools/test-weather")
    made = agentrl.make(env_id)
    assert isinstance(made, ToolEnv) and made is not env and made.spec.id == "tools/test-weather"
    report = check_env(made)
    assert report.ok, str(report)


def test_reserved_and_duplicate_names_are_rejected():
    @tool(name="final_answer")
    def answer(answer: str) -> str:
        """x"""
        return answer

    with pytest.raises(ValueError, match="reserved"):
        ToolEnv(tools=[answer], tasks=TASKS)
    with pytest.raises(ValueError, match="two tools are named 'weather'"):
        ToolEnv(tools=[weather, weather], tasks=TASKS)


def test_slow_async_tool_times_out():
    @tool
    async def slow() -> str:
        """Waits for an event nobody sets: it ends only when the timeout cancels it."""
        await asyncio.Event().wait()
        return "late"

    environment = ToolEnv(tools=[slow], tasks=TASKS, tool_timeout=0.2)
    environment.reset(TASKS[0])
    result = environment.step(call("slow"))
    assert result.observation.text == "Tool 'slow' timed out after 0.2 s."
    environment.close()
    environment.close()
