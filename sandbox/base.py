"""The `Sandbox` interface every backend implements, and its `ExecResult`."""

from __future__ import annotations

import logging
import posixpath
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

from agentrl.core.env import EnvError
from agentrl.sandbox.limits import Limits

logger = logging.getLogger("agentrl.sandbox")

WORKDIR = "/workspace"
"""Where the workdir appears inside every isolating backend; commands start there."""

LABEL = "agentrl.sandbox"
"""Marker put on everything a sandbox creates (temp dirs, containers), for orphan reaping."""


class SandboxError(EnvError):
    """The sandbox infrastructure failed (engine down, disk full, sandbox closed).

    An `EnvError`: the episode errors out instead of silently scoring 0.
    """


@dataclass
class ExecResult:
    """What came of one `Sandbox.exec`."""

    exit_code: int
    stdout: str
    stderr: str
    timed_out: bool = False
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    wall_time_s: float = 0.0

    @property
    def ok(self) -> bool:
        """The command exited 0 within its time and output limits."""
        return self.exit_code == 0 and not (self.timed_out or self.truncated)

    @property
    def truncated(self) -> bool:
        """Either stream hit ``Limits.max_output_bytes``."""
        return self.stdout_truncated or self.stderr_truncated


class Sandbox(ABC):
    """An isolated place to run shell commands on a private working directory.

    Commands run with ``/bin/sh -c`` in the workdir (`WORKDIR` inside isolating backends),
    under `Limits`. Paths given to `read_file` / `write_file` are relative to the workdir
    (absolute paths must lie inside it); nothing outside it can be read or written.
    `close()` is idempotent and leaves nothing behind. Use as a context manager.
    """

    backend: str = ""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.closed = False

    @abstractmethod
    def exec(self, cmd: str, timeout: float | None = None) -> ExecResult:
        """Run ``cmd`` in the workdir; ``timeout`` defaults to ``limits.wall_time_s``."""

    @abstractmethod
    def read_file(self, path: str) -> str:
        """Text of the workdir file ``path``; `FileNotFoundError` if absent."""

    @abstractmethod
    def write_file(self, path: str, content: str) -> None:
        """Write ``content`` to the workdir file ``path``, creating parent folders."""

    @abstractmethod
    def list_files(self) -> list[str]:
        """Workdir-relative paths of every regular file in the workdir, sorted."""

    @abstractmethod
    def upload(self, source: Path) -> None:
        """Copy the contents of the host folder ``source`` into the workdir."""

    @abstractmethod
    def reset(self) -> None:
        """Kill every process of this sandbox and empty its workdir, for reuse."""

    @abstractmethod
    def close(self) -> None:
        """Free everything (processes, containers, mounts, temp dirs). Safe to repeat."""

    def _check_open(self) -> None:
        if self.closed:
            raise SandboxError(f"{self.backend} sandbox is closed")

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        if not getattr(self, "closed", True):
            try:
                self.close()
            except Exception:  # noqa: BLE001 - never raise from a finaliser
                pass


def relative_workdir_path(path: str) -> str:
    """Normalise ``path`` to a path relative to the workdir, refusing any escape.

    Accepts ``"a/b.py"``, ``"./a/b.py"`` and ``"/workspace/a/b.py"``.
    """
    text = path.strip()
    if not text:
        raise ValueError("empty path")
    if text.startswith("/"):
        if text != WORKDIR and not text.startswith(WORKDIR + "/"):
            raise PermissionError(f"path {path!r} is outside the workdir {WORKDIR}")
        text = text[len(WORKDIR) :].lstrip("/") or "."
    normal = posixpath.normpath(text)
    if normal == ".." or normal.startswith("../"):
        raise PermissionError(f"path {path!r} leaves the workdir")
    return normal


def host_path_inside(root: Path, path: str) -> Path:
    """The host path of workdir ``path`` under ``root``, refusing symlink escapes."""
    relative = relative_workdir_path(path)
    target = (root / relative).resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise PermissionError(f"path {path!r} resolves outside the workdir")
    return target


def decode(data: bytes) -> str:
    """Bytes from a command as text; undecodable bytes become U+FFFD."""
    return data.decode("utf-8", errors="replace")
