"""MCP: a real stdio MCP server process becomes the tools of a ToolEnv."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("mcp")

from agentrl.core.types import Task  # noqa: E402
from agentrl.tools import ToolEnv, ToolExecutionError, mcp_tools  # noqa: E402

SERVER = Path(__file__).with_name("mcp_demo_server.py")
TASK = Task(id="m1", env_id="tools/mcp", instruction="What is 2+3?", ground_truth="5")


def call(name: str, **arguments) -> str:
    return f"<tool_call>{json.dumps({'name': name, 'arguments': arguments})}</tool_call>"


@pytest.fixture(scope="module")
def tools():
    with mcp_tools([sys.executable, str(SERVER)]) as server_tools:
        yield server_tools


def test_lists_server_tools_with_schemas(tools):
    specs = {t.name: t.spec["function"] for t in tools}
    assert sorted(specs) == ["add", "explode", "shout"]
    assert specs["add"]["description"] == "Add two integers."
    assert specs["add"]["parameters"]["required"] == ["a", "b"]
    assert specs["add"]["parameters"]["properties"]["a"]["type"] == "integer"


def test_tools_call_the_server(tools):
    by_name = {t.name: t for t in tools}
    assert by_name["add"](a=2, b=3) == "5"
    with pytest.raises(ToolExecutionError):
        by_name["explode"](reason="x")


def test_mcp_tools_in_a_toolenv_episode(tools):
    env = ToolEnv(tools=tools, tasks=[TASK], env_id="tools/mcp")
    env.reset(TASK)
    assert env.step(call("add", a=2, b=3)).observation.text == "5"
    bad = env.step(call("add", a="two", b=3))
    assert bad.info["action_valid"] is False
    assert "Input should be a valid integer" in bad.observation.text
    missing = env.step(call("add", a=1))
    assert missing.observation.text == (
        "Invalid arguments for tool 'add': tool 'add': missing required argument(s): b"
    )
    failed = env.step(call("explode", reason="why"))
    assert failed.observation.text.startswith("Tool 'explode' failed: ToolExecutionError:")
    final = env.step("<answer>5</answer>")
    assert final.info["success"] and final.reward == 1.0
    env.close()


def test_closing_stops_the_server():
    server_tools = mcp_tools(f"python {SERVER}")
    assert server_tools[0].metadata["mcp_command"][0] == sys.executable
    server_tools.close()
    server_tools.close()
    with pytest.raises(ToolExecutionError, match="is closed"):
        server_tools[0](a=1, b=2)


def test_a_command_that_is_not_a_server_fails_clearly():
    with pytest.raises(RuntimeError, match="failed to start"):
        mcp_tools([sys.executable, "-c", "import sys; sys.exit(3)"], timeout=120)
