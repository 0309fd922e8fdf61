"""A pool of warm sandboxes reused across episodes: acquire, use, release (reset)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from agentrl.sandbox.base import Sandbox, SandboxError


class SandboxPool:
    """Keeps up to ``size`` idle sandboxes of one backend warm.

    ``acquire()`` hands out an idle sandbox (or starts one); ``release(sb)`` resets it
    (kills its processes, empties its workdir) and keeps it for the next episode, or closes
    it when the pool is full or the reset failed. ``close()`` closes every sandbox it holds.
    Thread-safe, so a runner's worker threads can share one pool.
    """

    def __init__(self, backend: str = "bwrap", size: int = 4, **limits: Any) -> None:
        if size < 1:
            raise ValueError(f"pool size must be >= 1, got {size}")
        self.backend, self.size, self.limits = backend, size, limits
        self._idle: list[Sandbox] = []
        self._lock = threading.Lock()
        self.closed = False
        self.started = 0

    def acquire(self) -> Sandbox:
        """An empty sandbox, warm when one is idle."""
        from agentrl.sandbox import create

        with self._lock:
            if self.closed:
                raise SandboxError("sandbox pool is closed")
            if self._idle:
                return self._idle.pop()
            self.started += 1
        return create(self.backend, **self.limits)

    def release(self, sandbox: Sandbox) -> None:
        """Give ``sandbox`` back: reset and keep it, or close it."""
        if sandbox.closed:
            return
        try:
            sandbox.reset()
        except SandboxError:
            sandbox.close()
            return
        with self._lock:
            if not self.closed and len(self._idle) < self.size:
                self._idle.append(sandbox)
                return
        sandbox.close()

    @contextmanager
    def sandbox(self) -> Iterator[Sandbox]:
        """``with pool.sandbox() as sb:`` acquires and releases."""
        sandbox = self.acquire()
        try:
            yield sandbox
        finally:
            self.release(sandbox)

    def close(self) -> None:
        """Close every idle sandbox; later `release` calls close theirs. Idempotent."""
        with self._lock:
            self.closed = True
            idle, self._idle = self._idle, []
        for sandbox in idle:
            sandbox.close()

    def __enter__(self) -> SandboxPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
