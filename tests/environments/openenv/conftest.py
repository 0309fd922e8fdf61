"""A real OpenEnv server (`guess_server.py`, openenv-core's classes) in a uvicorn subprocess."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytest.importorskip("openenv.core.env_server", reason="the test server needs openenv-core")
pytest.importorskip("websockets")

SERVER = Path(__file__).with_name("guess_server.py")


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running guess server: its ``url`` and its process."""

    def __init__(self, max_sessions: int) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER), str(self.port), str(max_sessions)],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"guess server died: {self.process.stderr.read().decode()}")
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1).read()
                return
            except OSError:
                time.sleep(0.2)
        self.kill()
        raise RuntimeError("guess server did not start within 60s")

    def kill(self) -> None:
        """SIGKILL the server, as a crash would."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def start_server() -> Iterator[Callable[[int], Server]]:
    """Start guess servers with a session limit; every one is killed at teardown."""
    servers: list[Server] = []

    def start(max_sessions: int = 4) -> Server:
        servers.append(Server(max_sessions))
        return servers[-1]

    yield start
    for server in servers:
        server.kill()
