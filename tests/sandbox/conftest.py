"""Fixtures: one sandbox per backend; docker tests skip only where no engine answers."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import nullcontext

import pytest

from agentrl.sandbox import Sandbox, SandboxError, create

BACKENDS = ("bwrap", "docker", "local")
# Roomy enough for a slow or busy machine: `python3 -m pytest` inside a sandbox takes 2 s of
# CPU on a quiet one and 3.6 s under load. Tests of a limit set their own, tight one and run
# a command that would never end on its own, so that no test depends on the machine's speed.
TEST_LIMITS = dict(
    wall_time_s=60.0, cpu_time_s=30, memory_mb=512, max_processes=32, max_output_bytes=10_000
)


@functools.cache
def docker_unavailable() -> str | None:
    """Why the docker backend cannot run here, or None."""
    try:
        from agentrl.sandbox.docker_backend import docker_client

        docker_client().close()
    except SandboxError as error:
        return str(error)
    return None


def skip_if_unavailable(backend: str) -> None:
    if backend == "docker" and docker_unavailable():
        pytest.skip(f"docker backend: {docker_unavailable()}")


@pytest.fixture
def limits() -> dict[str, float]:
    """The limits shared by the sandbox tests."""
    return dict(TEST_LIMITS)


@pytest.fixture
def require_docker() -> None:
    """Skip, saying why, where no Docker engine answers."""
    skip_if_unavailable("docker")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    skip_if_unavailable(request.param)
    return request.param


@pytest.fixture
def sandbox(backend: str) -> Iterator[Sandbox]:
    with pytest.warns(RuntimeWarning) if backend == "local" else nullcontext():
        box = create(backend, **TEST_LIMITS)
    try:
        yield box
    finally:
        box.close()
