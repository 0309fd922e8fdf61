"""Every bad input to the `agentrl` command is one paragraph naming the cause and the key or
file, exit status 2, no traceback (issue 26). The real command runs in a subprocess, as a
user would run it; the table of malformed overrides at the end drives the same command in
process (typer's runner) to keep it fast."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from agentrl.cli import app

# Env modules a user might write next to their recipe (imported from the current directory).
ENV_MODULES = textwrap.dedent('''
    import time

    from agentrl.environments.toy.corridor import CorridorEnv


    class Guess(CorridorEnv):
        """A working env: the corridor under another name."""


    class NotAnEnv:
        pass


    class RaisesInInit(CorridorEnv):
        def __init__(self):
            raise RuntimeError("cannot open the game file")


    class HangsInInit(CorridorEnv):
        def __init__(self):
            time.sleep(10_000)


    class RaisesInTasks(CorridorEnv):
        def tasks(self, split):
            raise ValueError("the task file is missing")

        def close(self):
            raise RuntimeError("close failed as well")
''')


def agentrl(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``python -P -m agentrl ARGS`` in ``cwd``: -P keeps the interpreter from putting the
    current directory on sys.path, as the installed ``agentrl`` script does not either."""
    return subprocess.run([sys.executable, "-P", "-m", "agentrl", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL,
                          env={**os.environ, "PYTHONWARNINGS": "ignore"})


def assert_refused(result: subprocess.CompletedProcess[str], *named: str) -> str:
    """Exit 2, no traceback, one line on stderr holding every text of ``named`` (besides
    "waiting for …" notices, which a slow machine may print while the env imports)."""
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output, output
    message = "\n".join(line for line in result.stderr.strip().splitlines()
                        if not line.startswith("waiting for "))
    assert len(message.splitlines()) == 1, message
    for text in named:
        assert text in message, message
    return message


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A folder with a good recipe (recipe.yaml), the env modules above (envs.py) and an
    empty run folder (runs/)."""
    (tmp_path / "envs.py").write_text(ENV_MODULES)
    (tmp_path / "runs").mkdir()
    (tmp_path / "recipe.yaml").write_text(yaml.safe_dump({
        "name": "r", "env": {"id": "toy/corridor"}, "policy": {"model": "tiny:llama"},
        "trainer": {"iterations": 1, "tasks_per_iteration": 2}, "eval": {"num_tasks": 1},
        "logging": {"run_dir": str(tmp_path / "runs"), "tensorboard": False,
                    "progress": False},
    }))
    return tmp_path


@pytest.mark.parametrize(("content", "named"), [
    ("env: [\n  id: x\n", ["recipe 'bad.yaml' is not valid YAML", "line 3, column 1"]),
    (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", ["recipe 'bad.yaml' is not a text file",
                                           "0x89 at offset 0"]),
    (None, ["recipe 'bad.yaml' is a directory"]),
    ("", ["recipe 'bad.yaml' is empty", "env.id"]),
    ("policy: {model: tiny:llama}\n", ["recipe 'bad.yaml' does not set env.id"]),
    ("- env\n- policy\n", ["recipe 'bad.yaml' must be a YAML mapping", "not a list"]),
], ids=["yaml-syntax", "binary", "directory", "empty", "no-env-id", "a-list"])
def test_a_broken_recipe_file_is_named_with_what_is_wrong(workdir: Path, content: str | bytes
                                                          | None, named: list[str]) -> None:
    path = workdir / "bad.yaml"
    if content is None:
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content)
    assert_refused(agentrl("train", "bad.yaml", cwd=workdir), *named)


def test_an_override_that_is_not_yaml_names_the_override(workdir: Path) -> None:
    assert_refused(agentrl("train", "recipe.yaml", "trainer.iterations=[1", cwd=workdir),
                   "override 'trainer.iterations=[1'", "not valid YAML")


def test_an_env_module_that_does_not_exist_is_named(workdir: Path) -> None:
    assert_refused(agentrl("train", "recipe.yaml", "env.id=nosuchmod:Cls", cwd=workdir),
                   "env.id='nosuchmod:Cls'", "no module named 'nosuchmod'", str(workdir))


def test_an_env_whose_constructor_raises_is_refused_at_preflight(workdir: Path) -> None:
    assert_refused(agentrl("train", "recipe.yaml", "env.id=envs:RaisesInInit", cwd=workdir),
                   "env.id='envs:RaisesInInit'", "RuntimeError: cannot open the game file")


def test_a_model_that_is_nowhere_is_refused_offline_saying_where_it_looked(
        workdir: Path) -> None:
    started = time.monotonic()
    message = assert_refused(
        agentrl("train", "recipe.yaml", "policy.model=nosuch-org/nosuch-model", cwd=workdir),
        "policy.model='nosuch-org/nosuch-model'",
        f"no folder '{workdir / 'nosuch-org' / 'nosuch-model'}'", "Hugging Face",
        "hf download nosuch-org/nosuch-model")
    assert "internet" not in message.lower()
    assert time.monotonic() - started < 30  # no network retries (they take ~25 s offline)
    assert_refused(agentrl("play", "toy/corridor", "--recipe", "recipe.yaml",
                           "policy.model=nosuch-org/nosuch-model", cwd=workdir),
                   "policy.model='nosuch-org/nosuch-model'", "Hugging Face")


def test_an_empty_recipe_is_refused_and_an_override_can_supply_the_env(workdir: Path) -> None:
    (workdir / "empty.yaml").write_text("")
    assert_refused(agentrl("train", "empty.yaml", cwd=workdir), "is empty", "env.id")
    # the override is enough to get past the requirement (and to the next mistake)
    assert_refused(agentrl("train", "empty.yaml", "env.id=toy/corridor",
                           "policy.model=tiny:nosuch", cwd=workdir), "policy.model")


def test_max_new_tokens_beyond_the_context_names_both_numbers(workdir: Path) -> None:
    assert_refused(agentrl("train", "recipe.yaml", "rollout.sampling.max_new_tokens=100000000",
                           cwd=workdir),
                   "rollout.sampling.max_new_tokens=100000000", "4096 tokens")


@pytest.mark.parametrize("name", ["../../x", "/tmp/agentrl-absolute-run", "a/b", ".."])
def test_a_run_name_cannot_leave_the_run_folder(workdir: Path, name: str) -> None:
    assert_refused(agentrl("train", "recipe.yaml", f"name={name}", cwd=workdir),
                   f"name={name!r}", "logging.run_dir")
    assert not list((workdir / "runs").iterdir())
    assert not Path("/tmp/agentrl-absolute-run").exists()


def test_eval_num_tasks_beyond_the_split_names_its_size(workdir: Path) -> None:
    # toy/corridor's heldout split has 8 tasks
    for command in ("train", "eval"):
        assert_refused(agentrl(command, "recipe.yaml", "eval.num_tasks=9", cwd=workdir),
                       "eval.num_tasks=9", "8 tasks of split 'heldout'")


def test_check_env_finds_a_module_in_the_current_directory(workdir: Path) -> None:
    result = agentrl("check-env", "envs:Guess", cwd=workdir)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "check_env(toy/corridor): OK" in result.stdout  # Guess keeps the corridor's spec


@pytest.mark.parametrize(("target", "violation"), [
    ("envs:NotAnEnv", "envs:NotAnEnv is envs.NotAnEnv, which is not an agentrl env"),
    ("envs:RaisesInInit", "building envs:RaisesInInit raised RuntimeError: cannot open the "
                          "game file"),
])
def test_check_env_reports_a_broken_class_as_a_violation(workdir: Path, target: str,
                                                         violation: str) -> None:
    for isolate in ("--isolate", "--no-isolate"):
        result = agentrl("check-env", target, isolate, cwd=workdir)
        assert result.returncode == 1, result.stdout + result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        assert f"check_env({target}): FAILED, 1 violation(s) (1 checks)" in result.stdout
        assert f"[check_constructs] {violation}" in result.stdout


@pytest.mark.parametrize(("target", "named"), [
    ("nosuchmod:Cls", "no module named 'nosuchmod' in the current directory"),
    ("envs:Nope", "module 'envs' has no attribute 'Nope'"),
    ("no-such-env", "env 'no-such-env' is not registered; registered: "),
])
def test_check_env_on_a_target_that_names_nothing_is_refused(workdir: Path, target: str,
                                                             named: str) -> None:
    assert_refused(agentrl("check-env", target, cwd=workdir), f"check-env {target}: ", named)


@pytest.mark.slow
@pytest.mark.parametrize("isolate", ["--isolate", "--no-isolate"])
def test_check_env_on_a_hanging_constructor_says_what_it_waits_for_and_gives_up(
        workdir: Path, isolate: str) -> None:
    started = time.monotonic()
    result = agentrl("check-env", "envs:HangsInInit", isolate, "--timeout", "7", cwd=workdir)
    elapsed = time.monotonic() - started
    assert result.returncode == 1, result.stdout + result.stderr
    assert "waiting for envs:HangsInInit() to construct (5 s)…" in result.stderr
    assert "[check_constructs] gave up waiting for envs:HangsInInit() after 7 s" \
        in result.stdout
    assert "--timeout" in result.stdout
    assert 7 <= elapsed < 40, elapsed


@pytest.mark.parametrize(("target", "named", "hidden"), [
    ("envs:NotAnEnv", "envs:NotAnEnv is envs.NotAnEnv, which is not an agentrl env",
     "attribute 'close'"),
    ("envs:RaisesInInit", "RuntimeError: cannot open the game file", "close()"),
    ("envs:RaisesInTasks", "raised ValueError in tasks(): the task file is missing",
     "close failed"),
    ("nosuchmod:Cls", "no module named 'nosuchmod'", "close()"),
])
def test_play_shows_the_real_error_of_a_broken_env(workdir: Path, target: str, named: str,
                                                   hidden: str) -> None:
    message = assert_refused(agentrl("play", target, cwd=workdir), named)
    assert hidden not in message


# Malformed overrides on a good recipe, each with the key the error must name. Every one
# is refused before any work starts (the recipe trains one iteration if it is not).
MALFORMED = [
    (["trainer.iterations=many"], "trainer.iterations='many'"),
    (["trainer.iterations=-1"], "trainer.iterations=-1"),
    (["trainer.iterations=1.5"], "trainer.iterations=1.5"),
    (["trainer.tasks_per_iteration=0"], "trainer.tasks_per_iteration=0"),
    (["trainer.checkpoint_every=0"], "trainer.checkpoint_every=0"),
    (["trainer.strategy=zero3"], "trainer.strategy='zero3'"),
    (["trainer.epochs=3"], "unknown key 'trainer.epochs'"),
    (["rollout=3"], "rollout=3"),
    (["rollout.group_size=-2"], "rollout.group_size=-2"),
    (["rollout.group_size=1"], "rollout.group_size=1"),
    (["rollout.sampling.temperature=-1"], "rollout.sampling.temperature=-1"),
    (["rollout.sampling.top_p=2"], "rollout.sampling.top_p=2"),
    (["rollout.sampling.max_new_tokens=0"], "rollout.sampling.max_new_tokens=0"),
    (["rollout.env_workers=gpu"], "rollout.env_workers='gpu'"),
    (["rollout.step_timeout_s=-1"], "rollout.step_timeout_s=-1"),
    (["optim.lr=fast"], "optim.lr='fast'"),
    (["optim.lr=-1"], "optim.lr=-1"),
    (["optim.micro_batch_size=64", "optim.minibatch_size=8"], "optim.micro_batch_size=64"),
    (["algorithm.advantage=sallt"], "algorithm.advantage='sallt' is not registered"),
    (["algorithm.shaping=[nosuch]"], "algorithm.shaping contains 'nosuch'"),
    (["algorithm.shaping=format"], "algorithm.shaping='format'"),
    (["algorithm.entropy=max"], "algorithm.entropy='max'"),
    (["algorithm.advantage_options={nosuch: 1}"], "algorithm.advantage_options.nosuch"),
    (["algorithm.critic_options={lr: 1}"], "algorithm.critic_options"),
    (["policy.backend=tgi"], "policy.backend='tgi'"),
    (["policy.dtype=int4"], "policy.dtype='int4'"),
    (["policy.device=tpu"], "policy.device='tpu'"),
    (["policy.model=tiny:gpt2"], "policy.model='tiny:gpt2'"),
    (["policy.model=embedded:gpt5"], "policy.model='embedded:gpt5'"),
    (["policy.lora=3"], "policy.lora=3"),
    (["policy.lora.r=-4"], "policy.lora.r=-4"),
    (["policy.max_batch_size=0"], "policy.max_batch_size=0"),
    (["env.id=nope"], "env.id='nope'"),
    (["env.kwargs=[1, 2]"], "env.kwargs=[1, 2]"),
    (["env.kwargs={max_turns: -3}"], "env.kwargs={'max_turns': -3}"),
    (["env.kwargs={nosuch_kwarg: 1}"], "env.kwargs={'nosuch_kwarg': 1}"),
    (["env.train_split=test"], "env.train_split='test'"),
    (["env.executor=threads"], "env.executor is now rollout.env_workers"),
    (["eval.split=nosuch"], "eval.split='nosuch'"),
    (["eval.num_tasks=0"], "eval.num_tasks=0"),
    (["eval.pass_k=[5]"], "eval.pass_k has 5"),
    (["eval.max_new_tokens=100000000"], "eval.max_new_tokens=100000000"),
    (["warm_start.steps=-1"], "warm_start.steps=-1"),
    (["seed=abc"], "seed='abc'"),
    (["name="], "name=None"),
    (["logging.tensorboard=maybe"], "logging.tensorboard='maybe'"),
    (["nmae=x"], "unknown key 'nmae'"),
    (["trainer"], "override 'trainer' must look like dotted.key=value"),
    (["env.id.x=3"], "override 'env.id.x=3'"),
]


@pytest.mark.parametrize(("overrides", "named"), MALFORMED, ids=lambda v: str(v))
def test_a_malformed_override_is_refused_naming_its_key(workdir: Path, overrides: list[str],
                                                        named: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(workdir)
    result = CliRunner().invoke(app, ["train", "recipe.yaml", *overrides])
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    assert named in result.output, result.output
    assert not list((workdir / "runs").iterdir())  # refused before the run folder is made


@pytest.mark.parametrize(("content", "named"), [
    (None, "bad.jsonl does not exist"),
    (b"\xb7\x00garbage\n", "bad.jsonl is not a trajectories file"),
    ("env: [\n", "bad.jsonl is not a trajectories file"),
], ids=["missing", "binary", "not-json"])
def test_inspect_of_something_that_is_no_trajectory_file(workdir: Path, content: bytes | str
                                                         | None, named: str) -> None:
    path = workdir / "bad.jsonl"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    result = subprocess.run([sys.executable, "-m", "agentrl", "inspect", "bad.jsonl"],
                            cwd=workdir, capture_output=True, text=True, timeout=120,
                            env={**os.environ, "COLUMNS": "300"})  # no wrapping in the box
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert named in result.stderr, result.stderr
