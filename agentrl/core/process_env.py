"""Run an env in its own process: for CPU-heavy envs, envs that hang, and native engines
that can crash the interpreter (the crash then errors one episode, not the run).

This module imports nothing heavy (no torch): the env process imports it to serve the env.
"""

from __future__ import annotations

import multiprocessing as mp
import pickle
import sys
import threading
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from typing import Any

from agentrl.core.env import Env, EnvError
from agentrl.core.remote_env import RemoteEnv, run_env_call


def _serve(factory: Callable[[], Env], conn: Connection) -> None:
    try:
        env = factory()
    except Exception as error:  # noqa: BLE001 - shipped back to the caller
        conn.send(("error", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ok", None))  # ready: start-up time is not charged to the first call
    while True:
        try:
            method, args, kwargs = conn.recv()
        except EOFError:  # the parent closed its end or exited: nothing more to do
            return
        conn.send(run_env_call(env, method, args, kwargs))
        if method == "close":
            return


# Modules the fork server imports once, so that each env process starts as a fork of a
# warm interpreter (milliseconds) instead of a fresh one importing agentrl (seconds).
# `agentrl.core.process_preload` adds, in the fork server, the modules that the registered
# env families declare (``register(..., preload=[...])``: native engines, parsed game logic).
FORKSERVER_PRELOAD = [
    "agentrl.core.process_env",
    "agentrl.core.remote_env",
    "agentrl.core.registry",
    "agentrl.core.process_preload",
]


def _context() -> Any:
    """Fork-server processes where the platform has them (Linux), else spawned ones.

    Both start children from a clean interpreter, never a fork of the caller (which may hold
    torch threads and locks); the fork server pays the imports once for every child.
    """
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    context = mp.get_context("forkserver")
    context.set_forkserver_preload(FORKSERVER_PRELOAD)
    return context


_START_LOCK = threading.Lock()


@contextmanager
def _main_hidden(factory: Callable[[], Env]) -> Iterator[None]:
    """Start children without the caller's ``__main__`` when ``factory`` does not need it.

    A child re-imports the caller's main module so that it can unpickle what it defines; a
    training script's imports (torch, transformers) would then cost every env process
    seconds. A factory that pickles by reference to importable modules needs none of it.
    """
    if b"__main__" in pickle.dumps(factory):
        yield
        return
    with _START_LOCK:
        main = sys.modules["__main__"]
        sys.modules["__main__"] = types.ModuleType("__main__")
        try:
            yield
        finally:
            sys.modules["__main__"] = main


class ProcessEnv(RemoteEnv):
    """An `Env` proxy whose real env lives in a child process.

    ``factory`` must be picklable (e.g. ``functools.partial(agentrl.make, ENV_ID)``).
    A call that takes longer than ``timeout_s`` kills the child and raises `EnvError`;
    the next ``reset`` starts a fresh child. Starting the child (imports, building the
    env) has its own, longer limit, ``startup_timeout_s``.
    """

    def __init__(self, factory: Callable[[], Env], *, timeout_s: float | None = None,
                 startup_timeout_s: float = 600.0) -> None:
        super().__init__(factory, timeout_s=timeout_s, startup_timeout_s=startup_timeout_s)
        self._process: Any = None
        self._conn: Connection | None = None
        self.spec = self._call("__getattribute__", "spec")

    def _start(self) -> None:
        context = _context()
        parent, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(self._factory, child), daemon=True)
        with _main_hidden(self._factory):
            self._process.start()
        child.close()  # only the child holds its end now: its death reads as EOF here
        self._conn = parent
        if not parent.poll(self._startup_timeout_s):
            self._kill()
            raise EnvError(f"env process did not start within {self._startup_timeout_s}s")
        try:
            status, result = parent.recv()
        except EOFError as error:
            self._kill()
            raise EnvError("env process died while building the env") from error
        if status == "error":
            self._kill()
            raise EnvError(f"building the env failed in its process: {result}")

    def _kill(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join(timeout=5)
        self._process = None
        self._conn = None

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._process is None or not self._process.is_alive():
            self._start()
        assert self._conn is not None
        self._conn.send((method, args, kwargs))
        if not self._conn.poll(self._timeout_s):
            self._kill()
            raise EnvError(f"env {method}() took longer than {self._timeout_s}s; process killed")
        try:
            status, result = self._conn.recv()
        except EOFError as error:
            self._kill()
            raise EnvError(f"env process died during {method}()") from error
        if status == "error":
            raise EnvError(f"env {method}() failed in its process: {result}")
        return result

    def close(self) -> None:
        """Close the env in its process, then end the process (killed if it does not exit)."""
        if self._process is not None and self._process.is_alive():
            try:
                self._call("close")
            except EnvError:
                pass
            self._process.join(timeout=5)
        self._kill()
