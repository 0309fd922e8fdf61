"""Cost of a tool call through ToolEnv: parsing + validation overhead, async, MCP, BM25.

Each figure is a ratio against a plain in-process Python call of the same tool, measured
in the same run, so it holds across machines. Run: python benchmarks/tool_calls.py
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

from agentrl.core.types import Task
from agentrl.environments.search_qa.env import SearchQAEnv
from agentrl.tools import ToolEnv, mcp_tools, tool

ROOT = Path(__file__).resolve().parents[1]
TASK = Task(id="b", env_id="tools/custom", instruction="2+3?", ground_truth="5")


@tool
def add(a: int, b: int) -> int:
    """Add."""
    return a + b


@tool
async def add_async(a: int, b: int) -> int:
    """Add, asynchronously."""
    await asyncio.sleep(0)
    return a + b


def per_call(fn: Callable[[], object], repeats: int) -> float:
    """Mean seconds per call of ``fn`` (best of 3 rounds)."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(repeats):
            fn()
        best = min(best, (time.perf_counter() - start) / repeats)
    return best


def step_fn(env: ToolEnv, name: str) -> Callable[[], object]:
    reply = f"<tool_call>{json.dumps({'name': name, 'arguments': {'a': 2, 'b': 3}})}</tool_call>"

    def step() -> object:
        env.reset(TASK)
        return env.step(reply)

    return step


def main() -> None:
    direct = per_call(lambda: add.fn(a=2, b=3), 20_000)
    env = ToolEnv(tools=[add, add_async], tasks=[TASK], max_turns=3)
    sync_step = per_call(step_fn(env, "add"), 2_000)
    async_step = per_call(step_fn(env, "add_async"), 1_000)
    with mcp_tools([sys.executable, str(ROOT / "tests" / "tools" / "mcp_demo_server.py")]) as mt:
        mcp_env = ToolEnv(tools=mt, tasks=[TASK], max_turns=3)
        mcp_step = per_call(step_fn(mcp_env, "add"), 100)
    qa = SearchQAEnv(scale=2)
    qa_task = qa.tasks("valid")[0]
    query = {"name": "search", "arguments": {"query": qa_task.instruction}}
    search = f"<tool_call>{json.dumps(query)}</tool_call>"

    def qa_step() -> object:
        qa.reset(qa_task)
        return qa.step(search)

    search_step = per_call(qa_step, 300)
    env.close()
    print(f"direct call          {direct * 1e6:10.2f} us")
    print(f"ToolEnv step (sync)  {sync_step * 1e6:10.2f} us")
    print(f"ToolEnv step (async) {async_step * 1e6:10.2f} us")
    print(f"ToolEnv step (MCP)   {mcp_step * 1e6:10.2f} us")
    print(f"search-qa BM25 step  {search_step * 1e6:10.2f} us")
    print(f"async_vs_sync_step_ratio: {async_step / sync_step:.2f}")
    print(f"mcp_vs_sync_step_ratio: {mcp_step / sync_step:.2f}")
    print(f"search_qa_vs_sync_step_ratio: {search_step / sync_step:.2f}")
    print(f"toolenv_step_vs_direct_call_ratio: {sync_step / direct:.1f}")


if __name__ == "__main__":
    main()
