"""examples/custom_tool.py: a typed function becomes an env, and the env trains."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "custom_tool.py"


def test_example_builds_an_env_a_scripted_policy_solves():
    env = runpy.run_path(str(EXAMPLE))["env"]
    task = next(t for t in env.tasks("train") if t.metadata["city"] == "Oslo")
    assert env.reset(task).text == "What is the weather in Oslo today?"
    env.step('<tool_call>{"name": "weather", "arguments": {"city": "Oslo"}}</tool_call>')
    assert env.step("<answer>snow</answer>").info["success"] is True


def test_example_expert_solves_every_task():
    env = runpy.run_path(str(EXAMPLE))["env"]
    for task in [*env.tasks("train"), *env.tasks("heldout")]:
        env.reset(task)
        results = [env.step(action) for action in env.demonstration(task)]
        assert results[-1].info["success"] is True, task.id


@pytest.mark.slow
def test_example_trains_and_evaluates(tmp_path):
    subprocess.run([sys.executable, str(EXAMPLE), "tiny:llama", "1"], cwd=tmp_path, check=True,
                   capture_output=True, text=True, timeout=540)  # under pytest's 600 s
    result = json.loads((tmp_path / "runs" / "weather" / "eval.json").read_text())
    assert result["episodes"] == 4 and result["split"] == "heldout"
    assert (tmp_path / "runs" / "weather" / "report.md").exists()
