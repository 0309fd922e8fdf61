"""ProcessEnv: a real env in a child process; a hanging call kills the child."""

from __future__ import annotations

import signal
import textwrap
from functools import partial
from pathlib import Path

import pytest

import agentrl
from agentrl.core.env import EnvError
from agentrl.core.process_env import ProcessEnv

HANGING_ENV = textwrap.dedent(
    """
    import time
    from agentrl.environments.toy.corridor import CorridorEnv

    class HangingCorridor(CorridorEnv):
        def step(self, action):
            if action == "hang":
                time.sleep(60)
            if action == "crash":
                raise ValueError("boom")
            return super().step(action)
    """
)


@pytest.mark.slow
def test_process_env_runs_a_real_env_in_its_own_process() -> None:
    env = ProcessEnv(partial(agentrl.make, "toy/corridor", max_turns=4))
    try:
        assert env.spec.id == "toy/corridor" and env.spec.max_turns == 4
        task = env.tasks("train")[0]  # length 1
        first = env.reset(task, seed=0)
        assert first.text.endswith("You are at cell 0.")
        result = env.step("right")
        assert result.terminated and result.info["success"] and result.reward == 1.0
        assert env._process.pid is not None
    finally:
        env.close()
        env.close()  # idempotent
    assert env._process is None


@pytest.mark.slow
def test_process_env_kills_a_hanging_env_and_restarts_on_reset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "hangmod.py").write_text(HANGING_ENV)
    monkeypatch.syspath_prepend(str(tmp_path))  # spawned children inherit sys.path
    env = ProcessEnv(partial(agentrl.make, "hangmod:HangingCorridor"), timeout_s=5.0)
    try:
        env.reset(env.tasks("train")[0])
        with pytest.raises(EnvError, match="failed in its process: ValueError: boom"):
            env.step("crash")
        process = env._process
        with pytest.raises(EnvError, match=r"step\(\) took longer than 5.0s; process killed"):
            env.step("hang")
        # Killed (not waited out: the step would have returned after its 60 s sleep).
        assert process.exitcode == -signal.SIGKILL and env._process is None
        observation = env.reset(env.tasks("train")[0])  # a fresh child
        assert observation.text.endswith("You are at cell 0.")
        assert env._process is not process
    finally:
        env.close()
