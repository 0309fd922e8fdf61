"""Escape and abuse attempts, run against every backend.

Each attempt returns True when the sandbox blocked it. Every isolating backend must block
every attempt; the ``local`` backend (no isolation, by design) is expected to let the
attempts in `LOCAL_ESCAPES` through, and the test pins that down too, so the table
attempt x backend -> blocked stays true to the code.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import time
import uuid
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from agentrl.sandbox import Sandbox, create

LOCAL_ESCAPES = {"network", "read_outside", "write_outside", "background_outlives_close"}
if os.geteuid() == 0:  # RLIMIT_NPROC does not bind root, and local does not drop privileges
    LOCAL_ESCAPES.add("fork_bomb")


def network(box: Sandbox, tmp: Path) -> bool:
    """Connect to a TCP server listening on the host's loopback."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=30)"
        result = box.exec(f'python3 -c "{code}"', timeout=120)
        # A connection that got through waits in the listen queue, however slow the machine.
        server.setblocking(False)
        try:
            server.accept()[0].close()
            accepted = True
        except BlockingIOError:
            accepted = False
    return result.exit_code != 0 and not accepted


def read_outside(box: Sandbox, tmp: Path) -> bool:
    """Read a host file outside the workdir, by command and through the file API."""
    secret = tmp / "secret.txt"
    secret.write_text("s3cret-" + uuid.uuid4().hex)
    tmp.chmod(0o755)
    secret.chmod(0o644)
    result = box.exec(f"cat {secret}")
    for path in ("../secret.txt", str(secret), "/etc/../" + str(secret)):
        with pytest.raises(PermissionError):
            box.read_file(path)
    box.exec(f"ln -s {secret} link.txt")
    try:
        api_read = box.read_file("link.txt")
    except (PermissionError, FileNotFoundError):
        api_read = ""
    return secret.read_text() not in result.stdout + api_read


def write_outside(box: Sandbox, tmp: Path) -> bool:
    """Write a host file outside the workdir, by command and through the file API."""
    tmp.chmod(0o777)
    target = tmp / "pwned.txt"
    box.exec(f"echo pwned > {target}; echo pwned > /usr/pwned-{tmp.name}")
    with pytest.raises(PermissionError):
        box.write_file("../../pwned.txt", "pwned")
    escaped = target.exists() or Path(f"/usr/pwned-{tmp.name}").exists()
    Path(f"/usr/pwned-{tmp.name}").unlink(missing_ok=True)
    return not escaped


FORK_ATTEMPTS = 300


def fork_bomb(box: Sandbox, tmp: Path) -> bool:
    """Fork FORK_ATTEMPTS sleeping children; blocked when the process limit stops it.

    The children sleep until the bomb's process group is killed as the command ends, so
    however slowly the machine forks, all of them are alive at once.
    """
    code = (
        "import os, time\nn = 0\n"
        f"for _ in range({FORK_ATTEMPTS}):\n"
        "    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        time.sleep(3600)\n        os._exit(0)\n    n += 1\n"
        "print(n, flush=True)\nos._exit(0)\n"
    )
    box.write_file("bomb.py", code)
    result = box.exec("python3 bomb.py", timeout=300)
    forked = int(result.stdout.split()[0]) if result.stdout.split() else 0
    return forked < FORK_ATTEMPTS


def memory_bomb(box: Sandbox, tmp: Path) -> bool:
    """Allocate and touch 2 GiB under a 256 MiB limit."""
    result = box.exec("python3 -c \"x = b'x' * (2 * 1024 ** 3); print('allocated')\"")
    return "allocated" not in result.stdout and result.exit_code != 0


def endless_loop(box: Sandbox, tmp: Path) -> bool:
    """Loop forever: the wall-clock limit stops an idle loop, the CPU limit a busy one.

    The busy loop runs in a second sandbox of the same backend with a 1 s CPU limit and a
    wall-clock limit far beyond what 1 s of CPU takes on even a loaded machine.
    """
    shell = box.exec("while :; do sleep 0.1; done", timeout=2)  # idle: only the clock stops it
    with warnings.catch_warnings():  # the local backend warns that it does not isolate
        warnings.simplefilter("ignore", RuntimeWarning)
        strict = create(box.backend, **dataclasses.asdict(box.limits) | {"cpu_time_s": 1})
    try:
        busy = strict.exec('python3 -c "while True: pass"', timeout=300)
    finally:
        strict.close()
    # Stopped by the CPU limit (non-zero exit), not by the much later wall-clock limit.
    return shell.timed_out and busy.exit_code != 0 and not busy.timed_out


def output_flood(box: Sandbox, tmp: Path) -> bool:
    """Write endless output; capped at max_output_bytes and the command is stopped."""
    result = box.exec("yes flood", timeout=120)
    return result.stdout_truncated and len(result.stdout) <= 10_000 and not result.timed_out


def _processes_with(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


def _survivors(marker: str, grace_s: float = 30.0) -> list[int]:
    """Processes running ``marker`` once all are gone or ``grace_s`` has passed."""
    deadline = time.monotonic() + grace_s
    while (survivors := _processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return survivors


def background_outlives_close(box: Sandbox, tmp: Path) -> bool:
    """Leave a detached ``sleep`` running, then close the sandbox."""
    marker = f"{int(uuid.uuid4().int % 10_000)}.{os.getpid() % 1000}17"
    box.write_file(
        "detach.py",
        "import subprocess\n"  # Popen returns once the child has exec'd in its own session
        f"subprocess.Popen(['sleep', '{marker}'], start_new_session=True,\n"
        "                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,\n"
        "                 stderr=subprocess.DEVNULL)\n",
    )
    box.exec("python3 detach.py")
    box.close()
    survivors = _survivors(f"sleep {marker}")
    for pid in survivors:  # the local backend lets it escape; do not leave it running
        os.kill(pid, signal.SIGKILL)
    return not survivors


ATTEMPTS: dict[str, Callable[[Sandbox, Path], bool]] = {
    fn.__name__: fn
    for fn in (
        network,
        read_outside,
        write_outside,
        fork_bomb,
        memory_bomb,
        endless_loop,
        output_flood,
        background_outlives_close,
    )
}


@pytest.mark.slow
@pytest.mark.parametrize("attempt", list(ATTEMPTS))
def test_escape_attempt_is_blocked_by_isolating_backends(
    attempt: str, backend: str, sandbox: Sandbox, tmp_path: Path
) -> None:
    blocked = ATTEMPTS[attempt](sandbox, tmp_path)
    expected = not (backend == "local" and attempt in LOCAL_ESCAPES)
    print(f"ESCAPE-TABLE {attempt} {backend} blocked={blocked}")
    assert blocked == expected, f"{attempt} on {backend}: blocked={blocked}, expected {expected}"
