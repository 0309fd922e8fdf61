"""``agentrl check-env / play / eval`` on Harbor task folders (bwrap), as a user runs them."""

from __future__ import annotations

import pytest

from agentrl.environments.harbor import EXAMPLES
from tests.environments.adapter_commands import agentrl, eval_with_tiny_model

pytestmark = pytest.mark.slow


def test_check_env_play_and_eval_from_the_command_line(tmp_path):
    checked = agentrl("check-env", "harbor", "-k", "backend=bwrap")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "check_env(harbor): OK" in checked.stdout

    played = agentrl("play", "harbor", "-k", f"path={EXAMPLES / 'hello-file'}",
                     "-k", "backend=bwrap",
                     stdin="bash: echo 'Hello, Harbor!' > /app/hello.txt\nsubmit\n")
    assert played.returncode == 0, played.stderr
    assert "success after 2 turns" in played.stdout

    result, trajectories = eval_with_tiny_model(
        tmp_path, "harbor", {"backend": "bwrap", "max_turns": 2}, num_tasks=2, split="train",
        extra=("eval.split=train",))
    assert result["episodes"] == 2 and len(trajectories) == 2
    assert not any(t.get("error") for t in trajectories)


def test_a_missing_task_folder_is_named(tmp_path):
    done = agentrl("check-env", "harbor", "-k", f"path={tmp_path / 'nowhere'}",
                   "--timeout", "60")
    assert done.returncode == 1
    assert "nowhere" in done.stdout
