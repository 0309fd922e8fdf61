"""Custom tools as environments: ``@tool`` functions, MCP servers, task sets and rewards.

From a function to an env in a few lines::

    from agentrl.tools import ToolEnv, tool

    @tool
    def lookup(word: str) -> str:
        \"\"\"Look a word up in the dictionary.\"\"\"
        return DICTIONARY.get(word, "not found")

    env = ToolEnv(tools=[lookup], tasks="questions.jsonl", reward="exact_match")
"""

from agentrl.tools.decorator import Tool, ToolArgumentError, ToolExecutionError, make_tool, tool
from agentrl.tools.mcp import MCPTools, mcp_tools
from agentrl.tools.parsing import ANSWER_TOOL, ParsedReply, ToolCall, parse_reply
from agentrl.tools.rewards import (
    REWARDS,
    exact_match,
    f1,
    get_reward,
    judge,
    normalize_answer,
    register_reward,
)
from agentrl.tools.tasksets import load_dataset_tasks, load_jsonl, tasks_from_records
from agentrl.tools.toolenv import ToolEnv

__all__ = [
    "ANSWER_TOOL",
    "MCPTools",
    "ParsedReply",
    "REWARDS",
    "Tool",
    "ToolArgumentError",
    "ToolCall",
    "ToolEnv",
    "ToolExecutionError",
    "exact_match",
    "f1",
    "get_reward",
    "judge",
    "load_dataset_tasks",
    "load_jsonl",
    "make_tool",
    "mcp_tools",
    "normalize_answer",
    "parse_reply",
    "register_reward",
    "tasks_from_records",
    "tool",
]
