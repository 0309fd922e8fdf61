"""``agentrl check-env / eval`` on an agent program, as a user runs them (the program
is named as ``module:function`` relative to the current directory)."""

from __future__ import annotations

import pytest

from tests.environments.adapter_commands import agentrl, eval_with_tiny_model, kwarg_flags

pytestmark = pytest.mark.slow

PROGRAMS = "tests.environments.agent_program.programs"
KWARGS = {"program": f"{PROGRAMS}:lookup_agent", "tasks": f"{PROGRAMS}:TASKS",
          "call_timeout_s": 120}


def test_check_env_and_eval_from_the_command_line(tmp_path):
    checked = agentrl("check-env", "agent-program", *kwarg_flags(KWARGS))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "check_env(agent-program): OK" in checked.stdout

    result, trajectories = eval_with_tiny_model(tmp_path, "agent-program", KWARGS,
                                                num_tasks=1)
    assert result["episodes"] == 1 and result["per_task"].keys() == {"peru"}
    assert not any(t.get("error") for t in trajectories)
    assert all(turn["observation"]["messages"] for turn in trajectories[0]["turns"])


def test_check_env_without_a_program_says_what_to_give():
    done = agentrl("check-env", "agent-program", "--timeout", "60")
    assert done.returncode == 1
    assert "program" in done.stdout
