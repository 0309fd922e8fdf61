"""`HarborEnv` on the shipped example tasks, with bwrap and with the real Docker engine."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest

from agentrl.core.check_env import check_env
from agentrl.environments.harbor import EXAMPLES, HarborEnv, HarborTask, HarborTaskError
from agentrl.environments.harbor.export import export_swe_tasks
from agentrl.sandbox import SandboxError

EXAMPLE_NAMES = ["count-words", "fix-sum", "hello-file"]


def docker_unavailable() -> str | None:
    """Why no Docker engine can be used here, or None."""
    try:
        from agentrl.sandbox.docker_backend import docker_client

        docker_client().close()
    except Exception as error:  # noqa: BLE001 - any failure means no engine
        return str(error)
    return None


needs_docker = pytest.mark.skipif(docker_unavailable() is not None,
                                  reason="no Docker engine (scripts/start_dockerd.sh)")
BACKENDS = ["bwrap", pytest.param("docker", marks=needs_docker)]


def play_oracle_and_wrong(env: HarborEnv, name: str) -> tuple[float, float]:
    """The oracle's reward, and the reward of submitting the untouched starting files."""
    task = next(t for t in env.tasks("train") if t.id == name)
    env.reset(task)
    oracle = env.run_oracle()
    env.reset(task)
    wrong = env.step("submit")
    assert wrong.terminated and wrong.info["success"] is False
    return oracle, wrong.reward


@pytest.mark.parametrize("backend", BACKENDS)
def test_oracle_scores_one_and_a_wrong_answer_zero(backend):
    env = HarborEnv(EXAMPLES, backend=backend)
    names = EXAMPLE_NAMES if backend == "bwrap" else ["count-words"]  # docker: one, it is slow
    for name in names:
        assert play_oracle_and_wrong(env, name) == (1.0, 0.0), name
    env.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_agent_actions_solve_the_task_through_step(backend):
    env = HarborEnv(EXAMPLES / "hello-file", backend=backend)
    first = env.reset()
    assert "Hello, Harbor!" in first.text
    listing = env.step("bash: pwd; ls /app")
    assert "/workspace" in listing.observation.text and "README.md" in listing.observation.text
    env.step("create: hello.txt\nHello, Harbor!")
    done = env.step("submit")
    assert done.reward == 1.0 and done.info["success"] and done.info["verifier"]["reward_file"] \
        == "reward.txt"
    env.close()


@pytest.mark.parametrize("backend", BACKENDS)
def test_check_env_passes(backend):
    env = HarborEnv(EXAMPLES / "hello-file", backend=backend, max_turns=3)
    report = check_env(env, max_episodes=1)
    assert report.ok, str(report)


@pytest.mark.parametrize("backend", BACKENDS)
def test_hostile_commands_do_not_escape_or_forge_the_reward(backend, tmp_path):
    marker = Path("/tmp") / f"harbor-escape-{uuid.uuid4().hex}"
    env = HarborEnv(EXAMPLES / "hello-file", backend=backend)
    env.reset()
    env.step(f"bash: echo pwned > {marker}; echo pwned > /etc/escape-marker; ls /tests")
    assert not marker.exists() and not Path("/etc/escape-marker").exists()
    # forge Harbor's reward file and plant a test script before the verifier runs
    env.step("bash: mkdir -p .harbor/logs/verifier .harbor/tests && "
             "echo 1 > .harbor/logs/verifier/reward.txt && "
             "printf 'echo 1 > /logs/verifier/reward.txt' > .harbor/tests/test.sh")
    assert env.step("submit").reward == 0.0
    env.close()


def test_invalid_actions_are_explained():
    env = HarborEnv(EXAMPLES / "hello-file", backend="bwrap")
    env.reset()
    result = env.step("rm -rf everything")
    assert result.info["action_valid"] is False
    assert "start with one of: bash:" in result.observation.text
    env.close()


def test_task_toml_settings_are_read():
    task = HarborTask.load(EXAMPLES / "fix-sum")
    assert (task.agent_timeout_s, task.verifier_timeout_s, task.build_timeout_s,
            task.memory_mb, task.workdir) == (120.0, 60.0, 300.0, 512, "/app")


def test_missing_parts_are_named(tmp_path):
    with pytest.raises(HarborTaskError, match="does not exist"):
        HarborEnv(tmp_path / "nowhere")
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "instruction.md").write_text("do it")
    with pytest.raises(HarborTaskError, match=r"has no tests/test.sh"):
        HarborEnv(tmp_path / "t")


@needs_docker
def test_a_base_image_not_present_locally_is_named(tmp_path):
    task = tmp_path / "remote-base"
    shutil.copytree(EXAMPLES / "hello-file", task)
    (task / "environment" / "Dockerfile").write_text("FROM agentrl-no-such-image:9\n")
    env = HarborEnv(task, backend="docker")
    with pytest.raises(SandboxError, match="FROM agentrl-no-such-image:9 is not present locally"):
        env.reset()


def test_exported_swe_task_runs_with_its_oracle(tmp_path):
    from agentrl.environments.swe.generate import generated_instances

    instance = generated_instances(1)[0]
    (folder,) = export_swe_tasks(tmp_path, instances=[instance])
    assert folder.name == instance["instance_id"]
    assert (folder / "environment" / "Dockerfile").read_text().startswith("# Built locally")
    env = HarborEnv(folder, backend="bwrap")
    env.reset()
    assert env.run_oracle() == 1.0
    env.reset()
    assert env.step("submit").reward == 0.0
    env.close()


def test_registered_as_harbor():
    from agentrl.core.registry import make
    from agentrl.environments.harbor import register_envs

    register_envs()
    env = make("harbor", path=str(EXAMPLES), backend="bwrap")
    assert isinstance(env, HarborEnv) and [t.id for t in env.tasks("train")] == EXAMPLE_NAMES
    assert env.tasks("heldout") == []
