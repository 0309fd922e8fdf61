"""The agent-program env alone: scripted replies, concurrent episodes, check_env."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

import agentrl
from agentrl.core.check_env import check_env
from agentrl.environments.agent_program import AgentProgramEnv

PROGRAMS = "tests.environments.agent_program.programs"


def _env(**kwargs: Any) -> AgentProgramEnv:
    return agentrl.make("agent-program", program=f"{PROGRAMS}:lookup_agent",
                        tasks=f"{PROGRAMS}:TASKS", call_timeout_s=30, **kwargs)


def _episode(country: str, answer: str) -> tuple[float, list[str]]:
    env = _env()
    try:
        env.reset(env.tasks("train")[0])
        call = json.dumps({"name": "capital_of", "arguments": {"country": country}})
        second = env.step(f"<tool_call>{call}</tool_call>")
        result = env.step(answer)
        return result.reward, [m.get("content") for m in second.observation.messages]
    finally:
        env.close()


def test_concurrent_episodes_each_see_only_their_own_calls() -> None:
    with ThreadPoolExecutor(4) as pool:
        runs = list(pool.map(_episode, ["France", "Peru", "France", "Japan"],
                             ["Paris!", "Paris?", "Lyon", "Paris"]))
    # reward: 0.5 for a tool result equal to "Paris", 0.5 for "paris" in the answer.
    assert [reward for reward, _ in runs] == [1.0, 0.5, 0.5, 0.5]
    assert [contents[-1] for _, contents in runs] == ["Paris", "Lima", "Paris", "Tokyo"]


def test_tool_calls_become_openai_tool_calls_and_leave_the_content() -> None:
    env = _env()
    env.reset(env.tasks("train")[0])
    reply = ('<think>Look it up.</think>\n<tool_call>{"name": "capital_of", '
             '"arguments": {"country": "France"}}</tool_call>')
    assistant = env.step(reply).observation.messages[2]
    assert assistant == {"role": "assistant", "content": "<think>Look it up.</think>",
                         "tool_calls": [{"id": "call_0_0", "type": "function", "function": {
                             "name": "capital_of", "arguments": '{"country": "France"}'}}]}
    env.close()


def test_a_malformed_tool_call_stays_text_for_the_program() -> None:
    env = _env()
    env.reset(env.tasks("train")[0])
    result = env.step("<tool_call>{not json</tool_call> Paris")
    assert result.terminated and result.reward == 0.5  # no tool ran; "Paris" answered
    assert result.info["answer"] == "<tool_call>{not json</tool_call> Paris"
    assert result.info["action_valid"] is False
    assert "not JSON" in result.info["reply_problem"]


def test_a_call_of_a_tool_not_offered_is_invalid_but_reaches_the_program() -> None:
    env = _env()
    env.reset(env.tasks("train")[0])
    result = env.step('<tool_call>{"name": "rm", "arguments": {"path": "/"}}</tool_call>')
    assert result.info == {"action_valid": False,
                           "reply_problem": "the reply calls tools the request did not offer: "
                                            "['rm']"}
    assert result.observation.messages[2]["tool_calls"][0]["function"]["name"] == "rm"
    env.close()


def test_a_closed_episode_refuses_calls_on_its_path() -> None:
    env = _env()
    observation = env.reset(env.tasks("train")[0])
    assert observation.messages is not None
    base_url = env._channel.base_url  # noqa: SLF001 - the path the program was given
    env.close()
    request = urllib.request.Request(
        f"{base_url}/chat/completions", method="POST", headers={"Content-Type": "application/json"},
        data=json.dumps({"model": "m", "messages": [{"role": "user", "content": "hi"}]}).encode())
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 404
    assert "no open episode" in caught.value.read().decode()


def test_check_env_passes() -> None:
    report = check_env(_env())
    assert report.violations == [], report.violations
