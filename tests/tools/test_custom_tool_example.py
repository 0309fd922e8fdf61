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
    assert env.reset(env.tasks("train")[0]).text == "Weather in Oslo?"
    env.step('<tool_call>{"name": "weather", "arguments": {"city": "Oslo"}}</tool_call>')
    assert env.step("<answer>snow</answer>").info["success"] is True


@pytest.mark.slow
def test_example_trains_and_evaluates(tmp_path):
    subprocess.run([sys.executable, str(EXAMPLE), "tiny:llama"], cwd=tmp_path, check=True,
                   capture_output=True, text=True, timeout=540)  # under pytest's 600 s
    result = json.loads((tmp_path / "runs" / "weather" / "eval.json").read_text())
    assert result["episodes"] == 1 and result["split"] == "train"
    assert (tmp_path / "runs" / "weather" / "report.md").exists()
