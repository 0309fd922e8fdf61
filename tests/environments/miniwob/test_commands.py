"""``agentrl play / eval`` on MiniWoB++ tasks as a user runs them (check-env: test_check_env);
the text model reads the DOM rendering (``rollout.prompt.images=none``)."""

from __future__ import annotations

import pytest

from tests.environments.adapter_commands import agentrl, eval_with_tiny_model

pytestmark = pytest.mark.slow


def test_play_and_eval_from_the_command_line(tmp_path):
    played = agentrl("play", "miniwob/click-button", stdin="quit\n")
    assert played.returncode == 0, played.stderr
    assert "click-button" in played.stdout and "screenshot:" in played.stdout

    result, trajectories = eval_with_tiny_model(tmp_path, "miniwob/click-button",
                                                {"max_turns": 2}, num_tasks=2,
                                                extra=("rollout.prompt.images=none",))
    assert result["episodes"] == 2 and len(trajectories) == 2
    assert not any(t.get("error") for t in trajectories)
    assert all(t["turns"] for t in trajectories)
