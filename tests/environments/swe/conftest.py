"""Shared fixtures: a small generated task set, cached once per test session."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from agentrl.environments.swe.env import SweEnv

collect_ignore_glob = ["fixtures/*"]  # the fixture repositories carry their own tests

FIXTURES = Path(__file__).parent / "fixtures"
TASKS_PER_PROJECT = 1


@pytest.fixture(scope="session")
def swe_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """AGENTRL_CACHE pointed at a session folder, with the small task set generated."""
    folder = tmp_path_factory.mktemp("agentrl-cache")
    previous = os.environ.get("AGENTRL_CACHE")
    os.environ["AGENTRL_CACHE"] = str(folder)
    try:
        yield folder
    finally:
        if previous is None:
            os.environ.pop("AGENTRL_CACHE", None)
        else:
            os.environ["AGENTRL_CACHE"] = previous


@pytest.fixture
def make_env(swe_cache: Path) -> Iterator:
    """Build SweEnvs on the small generated task set; all are closed afterwards."""
    made: list[SweEnv] = []

    def build(**kwargs: object) -> SweEnv:
        kwargs.setdefault("max_tasks_per_project", TASKS_PER_PROJECT)
        env = SweEnv(**kwargs)  # type: ignore[arg-type]
        made.append(env)
        return env

    yield build
    for env in made:
        env.close()


@pytest.fixture(scope="session")
def fixture_jsonl() -> Path:
    """A SWE-bench style instance file with a repository checkout beside it."""
    return FIXTURES / "swebench" / "instances.jsonl"


@pytest.fixture
def require_docker_engine() -> None:
    """Skip, saying why, where no Docker engine answers (CI starts one)."""
    from agentrl.sandbox import SandboxError
    from agentrl.sandbox.docker_backend import docker_client

    try:
        docker_client().close()
    except SandboxError as error:
        pytest.skip(f"docker backend: {error}")
