"""The stdio side of an MCP connection: the server process, its pipes, and its end.

The server runs in a session (process group) of its own, so ending it ends whatever it
started too. It is ended the MCP specification's way on `ServerProcess.stop` (stdin closed,
a grace period, SIGTERM, SIGKILL), at once when it failed, and — when its owner never
closes it — by `kill_group` from a `weakref.finalize` (which also runs at interpreter
exit), with no event loop needed. Lines on its stdout that are not JSON-RPC are counted,
not parsed into tracebacks; its stderr is kept (the last lines) for error messages and
logged at debug level. Whatever ends the server early is set, as one sentence, on
`ServerProcess.failure`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import os
import signal
import time
from typing import Any

GRACE_S = 2.0  # after stdin closes, before SIGTERM (the MCP spec's shutdown order)
TERM_S = 2.0  # after SIGTERM, before SIGKILL
MAX_GARBAGE_LINES = 100  # lines that are not JSON-RPC before the server counts as broken
MAX_LINE_BYTES = 64 * 1024 * 1024
logger = logging.getLogger("agentrl.tools.mcp")


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as file:
            return file.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except FileNotFoundError:
        return False
    except (OSError, IndexError):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        if hasattr(os, "killpg"):
            os.killpg(pid, sig)
        else:  # pragma: no cover - no process groups (Windows)
            os.kill(pid, sig)


def kill_group(state: dict[str, Any], term_s: float = 1.0) -> None:
    """End the process group ``state["pid"]`` from sync code: SIGTERM, then SIGKILL.

    ``state`` is shared with the `ServerProcess`; ``state["ended"]`` makes this a no-op
    once the group was ended (so a reused pid is never signalled).
    """
    pid = state.get("pid")
    if pid is None or state.get("ended"):
        return
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + term_s
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    _signal_group(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
    state["ended"] = True


def quiet_task(job: Any) -> asyncio.Task[Any]:
    """A task whose exception, if nobody awaits it, is dropped rather than logged at exit
    (a pipe task's error is reported through `ServerProcess.failure`)."""
    task = asyncio.ensure_future(job)
    task.add_done_callback(lambda done: done.cancelled() or done.exception())
    return task


def describe_exit(code: int) -> str:
    """``exited with code 3`` or ``was killed by signal 9 (SIGKILL)``."""
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = f" ({signal.Signals(-code).name})"
    except ValueError:
        name = ""
    return f"was killed by signal {-code}{name}"


def _short(text: str, limit: int = 160) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class ServerProcess:
    """A stdio MCP server's OS process bridged to a pair of anyio memory streams."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: str | None,
                 state: dict[str, Any]) -> None:
        self.argv, self.env, self.cwd = argv, env, cwd
        self.state = state  # {"pid", "ended"}, shared with the owner's `kill_group` finalizer
        self.process: asyncio.subprocess.Process | None = None
        self.failure: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self.garbage: list[str] = []  # the first line that was not JSON-RPC
        self.garbage_count = 0
        self.ready = False  # the session is initialized (garbage after that is warned about)
        self._tasks: list[asyncio.Task[Any]] = []

    async def start(self, codec: Any) -> tuple[Any, Any]:
        """Spawn the server; the (read, write) streams a ``ClientSession`` takes.

        `OSError` when the command cannot be run at all.
        """
        import anyio

        self.process = await asyncio.create_subprocess_exec(
            *self.argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=self.env, cwd=self.cwd,
            start_new_session=True)
        self.state["pid"] = self.process.pid
        read_send, read_recv = anyio.create_memory_object_stream(16)
        write_send, write_recv = anyio.create_memory_object_stream(16)
        for job in (self._pump_stdout(read_send, codec), self._pump_stdin(write_recv, codec),
                    self._pump_stderr(), self._watch_exit()):
            self._tasks.append(quiet_task(job))
        return read_recv, write_send

    def stderr_note(self) -> str:
        """``; its stderr ended with: '…'`` when the server wrote to stderr, else ""."""
        lines = [line for line in self.stderr_tail if line.strip()]
        return f"; its stderr ended with: {_short(lines[-1])!r}" if lines else ""

    def garbage_note(self) -> str:
        """How many stdout lines were not JSON-RPC, and the first one; "" when none."""
        if not self.garbage_count:
            return ""
        return (f"it wrote {self.garbage_count} stdout line(s) that are not JSON-RPC "
                f"(the first: {_short(self.garbage[0], 80)!r})")

    def _fail(self, reason: str) -> None:
        if not self.failure.done():
            self.failure.set_result(reason)

    async def _pump_stdout(self, send: Any, codec: Any) -> None:
        import anyio

        async with send:
            with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
                await self._read_lines(send, codec)

    async def _read_lines(self, send: Any, codec: Any) -> None:
        assert self.process is not None and self.process.stdout is not None
        buffer = b""
        while chunk := await self.process.stdout.read(65536):
            lines = (buffer + chunk).split(b"\n")
            buffer = lines.pop()
            if len(buffer) > MAX_LINE_BYTES:
                self._fail(f"it wrote a stdout line longer than {MAX_LINE_BYTES} bytes")
                self.kill_now()
                return
            for line in lines:
                if line.strip():
                    message = self._parse(line, codec)
                    if message is not None:
                        await send.send(message)

    def _parse(self, line: bytes, codec: Any) -> Any:
        try:
            return codec.decode(line)
        except ValueError:
            pass
        self.garbage_count += 1
        if self.garbage_count == 1:
            self.garbage.append(line.decode("utf-8", "replace"))
            if self.ready:
                self.warn_garbage()
        if self.garbage_count >= MAX_GARBAGE_LINES:
            self._fail(self.garbage_note() + "; stopped it")
            self.kill_now()
        return None

    def warn_garbage(self) -> None:
        """One log line: the server writes what is not JSON-RPC (ignored, counted)."""
        logger.warning("MCP server %r: %s; ignored (more are counted, up to %d)",
                       " ".join(self.argv), self.garbage_note(), MAX_GARBAGE_LINES)

    async def _pump_stdin(self, receive: Any, codec: Any) -> None:
        assert self.process is not None and self.process.stdin is not None
        stdin = self.process.stdin
        with contextlib.suppress(ConnectionError, OSError):
            async with receive:
                async for message in receive:
                    stdin.write(codec.encode(message))
                    await stdin.drain()

    async def _pump_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        buffer = b""
        while chunk := await self.process.stderr.read(65536):
            lines = (buffer + chunk).split(b"\n")
            buffer = lines.pop()[-MAX_LINE_BYTES:]
            for line in lines:
                text = line.decode("utf-8", "replace").rstrip()
                self.stderr_tail.append(_short(text, 300))
                logger.debug("MCP server %r stderr: %s", " ".join(self.argv), text)
        if buffer.strip():
            self.stderr_tail.append(_short(buffer.decode("utf-8", "replace"), 300))

    async def _watch_exit(self) -> None:
        """Notice the server's exit (poll: `wait` would also wait for a grandchild's pipes)."""
        assert self.process is not None
        while self.process.returncode is None:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.05)  # let the stderr pump take the last lines
        self._fail(f"it {describe_exit(self.process.returncode)}{self.stderr_note()}")
        self.end_group()

    def kill_now(self) -> None:
        """SIGKILL the whole group at once (a broken server gets no grace)."""
        if self.state["pid"] is not None and not self.state["ended"]:
            _signal_group(self.state["pid"], getattr(signal, "SIGKILL", signal.SIGTERM))

    def end_group(self) -> None:
        """The leader is gone: SIGKILL whatever it left in its group, then forget the pid."""
        if self.state["pid"] is not None and not self.state["ended"]:
            _signal_group(self.state["pid"], getattr(signal, "SIGKILL", signal.SIGTERM))
            self.state["ended"] = True

    async def _wait_exit(self, seconds: float) -> bool:
        assert self.process is not None
        deadline = time.monotonic() + seconds
        while self.process.returncode is None and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        return self.process.returncode is not None

    async def stop(self, graceful: bool) -> None:
        """End the server: close stdin, wait, SIGTERM, wait, SIGKILL (at once when not
        ``graceful``); then end its group and the pipe tasks. Bounded in time."""
        if self.process is None:
            return
        if graceful and self.process.returncode is None:
            with contextlib.suppress(OSError, RuntimeError):
                self.process.stdin.close()
            if not await self._wait_exit(GRACE_S):
                _signal_group(self.process.pid, signal.SIGTERM)
                await self._wait_exit(TERM_S)
        if self.process.returncode is None:
            self.kill_now()
            await self._wait_exit(2.0)
        self.end_group()
        for task in self._tasks:
            task.cancel()
        await asyncio.wait(self._tasks, timeout=1.0)
        transport = getattr(self.process, "_transport", None)
        if transport is not None:
            with contextlib.suppress(Exception):
                transport.close()
