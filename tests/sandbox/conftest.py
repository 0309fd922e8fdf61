"""Fixtures: one sandbox per backend; docker tests skip only where no engine answers."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import nullcontext

import pytest

from agentrl.sandbox import Sandbox, SandboxError, create

BACKENDS = ("bwrap", "docker", "local")
TEST_LIMITS = dict(
    wall_time_s=10.0, cpu_time_s=2, memory_mb=256, max_processes=32, max_output_bytes=10_000
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
    """Small limits shared by the sandbox tests."""
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
