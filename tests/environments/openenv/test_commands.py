"""``agentrl check-env / play / eval`` on an OpenEnv server, as a user runs them."""

from __future__ import annotations

import pytest

from tests.environments.adapter_commands import agentrl, eval_with_tiny_model

pytestmark = pytest.mark.slow


def test_check_env_play_and_eval_from_the_command_line(start_server, tmp_path):
    server = start_server(4)
    checked = agentrl("check-env", "openenv", "-k", f"base_url={server.url}")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "check_env(openenv): OK" in checked.stdout

    played = agentrl("play", "openenv", "-k", f"base_url={server.url}", "--seed", "3",
                     stdin='{"guess": 10}\nquit\n')
    assert played.returncode == 0, played.stderr
    assert "reward" in played.stdout and ("higher" in played.stdout.lower()
                                         or "lower" in played.stdout.lower()
                                         or "correct" in played.stdout.lower())

    result, trajectories = eval_with_tiny_model(
        tmp_path, "openenv", {"base_url": server.url, "max_turns": 2})
    assert result["episodes"] == 2 and len(trajectories) == 2
    assert not any(t.get("error") for t in trajectories)
    assert all(t["turns"] for t in trajectories)


def test_a_dead_server_is_named_by_check_env():
    done = agentrl("check-env", "openenv", "-k", "base_url=http://127.0.0.1:9",
                   "-k", "retries=0", "--timeout", "60")
    assert done.returncode == 1
    assert "http://127.0.0.1:9" in done.stdout and "unreachable" in done.stdout
