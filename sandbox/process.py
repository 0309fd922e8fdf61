"""Run a host process with a wall-clock limit and capped output, killing its whole group."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO

from agentrl.sandbox.base import ExecResult, decode

_CHUNK = 65536


class _CappedReader(threading.Thread):
    """Drains one pipe, keeping the first ``cap`` bytes; calls ``on_overflow`` past it."""

    def __init__(self, pipe: IO[bytes], cap: int, on_overflow: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.pipe, self.cap, self.on_overflow = pipe, cap, on_overflow
        self.data = bytearray()
        self.truncated = False

    def run(self) -> None:
        try:
            self._drain()
        except (OSError, ValueError):  # the pipe was closed under us after a hang
            pass

    def _drain(self) -> None:
        while chunk := self.pipe.read1(_CHUNK):  # type: ignore[attr-defined]
            room = self.cap - len(self.data)
            if len(chunk) > room:
                self.data += chunk[: max(room, 0)]
                if not self.truncated:
                    self.truncated = True
                    self.on_overflow()
            else:
                self.data += chunk
        self.pipe.close()


def kill_group(pgid: int) -> None:
    """SIGKILL the process group ``pgid``; a group already gone is fine."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def run_capped(
    argv: Sequence[str],
    *,
    timeout: float,
    max_output_bytes: int,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> ExecResult:
    """Run ``argv`` in a new session; kill its process group on timeout or output flood.

    The process group is always killed when the command ends, so children it left in the
    background do not outlive the call (isolating backends add a pid namespace on top).
    """
    start = time.monotonic()
    process = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
        env=env,
        start_new_session=True,
        preexec_fn=preexec_fn,
    )
    pgid = process.pid

    def stop() -> None:
        kill_group(pgid)

    assert process.stdout is not None and process.stderr is not None
    readers = [
        _CappedReader(process.stdout, max_output_bytes, stop),
        _CappedReader(process.stderr, max_output_bytes, stop),
    ]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        kill_group(pgid)
        process.wait()
    for reader in readers:
        reader.join(timeout=5.0)
        if reader.is_alive():  # a grandchild in another group still holds the pipe
            reader.pipe.close()
    return ExecResult(
        exit_code=process.returncode,
        stdout=decode(bytes(readers[0].data)),
        stderr=decode(bytes(readers[1].data)),
        timed_out=timed_out,
        stdout_truncated=readers[0].truncated,
        stderr_truncated=readers[1].truncated,
        wall_time_s=time.monotonic() - start,
    )
