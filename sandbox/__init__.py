"""Isolated command execution: `create(backend, **limits)` returns a `Sandbox`.

Backends: ``bwrap`` (bubblewrap namespaces; the default on Linux), ``docker`` (a container
per sandbox through a local Docker engine), ``local`` (no isolation; only by name). Every
backend gives no network, a workdir the command cannot leave, bounded wall time, CPU time,
memory, processes and output, and leaves nothing behind after ``close()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentrl.sandbox.base import WORKDIR, ExecResult, Sandbox, SandboxError
from agentrl.sandbox.limits import Limits
from agentrl.sandbox.pool import SandboxPool

BACKENDS = ("bwrap", "docker", "local")


def _factory(backend: str) -> Callable[..., Sandbox]:
    if backend == "bwrap":
        from agentrl.sandbox.bwrap import BwrapSandbox

        return BwrapSandbox
    if backend == "docker":
        from agentrl.sandbox.docker_backend import DockerSandbox

        return DockerSandbox
    if backend == "local":
        from agentrl.sandbox.local import LocalSandbox

        return LocalSandbox
    raise ValueError(f"unknown sandbox backend {backend!r}; backends: {', '.join(BACKENDS)}")


def create(backend: str = "bwrap", **limits: Any) -> Sandbox:
    """A new sandbox of ``backend`` with `Limits` fields given as keywords.

    ``create("bwrap", memory_mb=512, wall_time_s=10)``. Unknown backends or limit names are
    errors naming the known ones; an engine that cannot start raises `SandboxError`.
    """
    return _factory(backend)(Limits.from_kwargs(**limits))


__all__ = [
    "BACKENDS",
    "WORKDIR",
    "ExecResult",
    "Limits",
    "Sandbox",
    "SandboxError",
    "SandboxPool",
    "create",
]
