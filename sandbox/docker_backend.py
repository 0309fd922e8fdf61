"""The docker backend: one container per sandbox, through the Docker engine's SDK.

The container runs the locally built image (`agentrl.sandbox.image`) with no network
(``network_mode="none"``), a read-only root, a private /tmp, the host workdir bind-mounted
at /workspace, memory / pids / CPU limits from `Limits`, all capabilities dropped, and
labels (``agentrl.sandbox=1``, creator host and pid) by which containers of crashed runs are
found and removed at the next start-up. Commands run as the unprivileged ``sandbox`` user.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from typing import Any

from agentrl.sandbox.base import LABEL, WORKDIR, ExecResult, SandboxError, decode, logger
from agentrl.sandbox.hostdir import HostDirSandbox, pid_alive, reap_orphans
from agentrl.sandbox.image import SANDBOX_UID, ensure_image
from agentrl.sandbox.limits import Limits

_reaped = False
_images: dict[str, str] = {}


def docker_client() -> Any:
    """A connected Docker SDK client; `SandboxError` naming the cause when none answers."""
    try:
        import docker
    except ImportError as error:
        raise SandboxError(
            "the docker backend needs the 'docker' package (pip install docker)"
        ) from error
    try:
        client = docker.from_env(timeout=60)
        client.ping()
    except Exception as error:  # noqa: BLE001 - any failure means no usable engine
        raise SandboxError(
            f"no Docker engine answers ({error}); start one with scripts/start_dockerd.sh"
        ) from error
    return client


def _default_image(client: Any) -> str:
    """The sandbox image, built at most once per process (hashing its files takes a second)."""
    if "default" not in _images:
        _images["default"] = ensure_image(client)
    return _images["default"]


def reap_orphan_containers(client: Any) -> list[str]:
    """Remove sandbox containers of this host whose creating process is gone."""
    removed = []
    for container in client.containers.list(all=True, filters={"label": f"{LABEL}=1"}):
        labels = container.labels
        if labels.get(f"{LABEL}.host") != socket.gethostname():
            continue
        pid = int(labels.get(f"{LABEL}.pid", "0"))
        if pid != os.getpid() and not pid_alive(pid):
            container.remove(force=True, v=True)
            removed.append(container.name)
    if removed:
        logger.info("reaped %d orphaned sandbox container(s)", len(removed))
    return removed


class _ExecStream(threading.Thread):
    """Reads one exec's demuxed output, capping each stream; flags an overflow."""

    def __init__(self, chunks: Any, cap: int) -> None:
        super().__init__(daemon=True)
        self.chunks, self.cap = chunks, cap
        self.data = [bytearray(), bytearray()]
        self.truncated = [False, False]
        self.overflow = threading.Event()

    def run(self) -> None:
        try:
            for pair in self.chunks:
                for index, chunk in enumerate(pair):
                    if chunk:
                        self._keep(index, chunk)
        except Exception:  # noqa: BLE001 - the connection closes when the container dies
            pass

    def _keep(self, index: int, chunk: bytes) -> None:
        room = self.cap - len(self.data[index])
        self.data[index] += chunk[: max(room, 0)]
        if len(chunk) > room:
            self.truncated[index] = True
            self.overflow.set()


class DockerSandbox(HostDirSandbox):
    """A sandbox in its own container; see the module docstring."""

    backend = "docker"

    def __init__(self, limits: Limits | None = None, image: str | None = None) -> None:
        global _reaped
        self.client = docker_client()
        if not _reaped:
            reap_orphans()
            reap_orphan_containers(self.client)
            _reaped = True
        as_root = os.geteuid() == 0
        super().__init__(limits or Limits(), owner_uid=SANDBOX_UID if as_root else None)
        try:
            self.image = image or _default_image(self.client)
            self.container = self._start_container()
        except Exception as error:
            super().close()
            raise SandboxError(f"cannot start a docker sandbox: {error}") from error

    def _start_container(self) -> Any:
        import docker.types

        limits = self.limits
        ulimits = [
            docker.types.Ulimit(name=name, soft=value, hard=value)
            for name, value in (
                ("cpu", int(limits.cpu_time_s)),
                ("fsize", int(limits.max_file_mb) * 1024 * 1024),
                ("nofile", int(limits.max_open_files)),
                ("core", 0),
            )
        ]
        return self.client.containers.run(
            self.image,
            command=["sleep", "infinity"],
            detach=True,
            init=True,
            network_mode="none",
            read_only=True,
            tmpfs={"/tmp": "size=64m,mode=1777"},
            volumes={str(self.host_workdir): {"bind": WORKDIR, "mode": "rw"}},
            working_dir=WORKDIR,
            mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m",
            pids_limit=limits.max_processes,
            nano_cpus=1_000_000_000,
            ulimits=ulimits,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges"],
            labels={
                LABEL: "1",
                f"{LABEL}.host": socket.gethostname(),
                f"{LABEL}.pid": str(os.getpid()),
            },
        )

    def exec(self, cmd: str, timeout: float | None = None) -> ExecResult:
        """Run ``cmd`` with ``/bin/sh -c`` in the container as the sandbox user.

        On timeout or output overflow every sandbox-user process is killed.
        """
        self._check_open()
        timeout = self.limits.wall_time_s if timeout is None else timeout
        start = time.monotonic()
        api = self.client.api
        try:
            exec_id = api.exec_create(
                self.container.id, ["/bin/sh", "-c", cmd], user=str(SANDBOX_UID), workdir=WORKDIR
            )["Id"]
            stream = _ExecStream(
                api.exec_start(exec_id, stream=True, demux=True), self.limits.max_output_bytes
            )
        except Exception as error:  # noqa: BLE001 - engine or container gone
            raise SandboxError(f"docker exec failed: {error}") from error
        stream.start()
        timed_out = False
        while stream.is_alive():
            stream.join(timeout=0.05)
            if stream.overflow.is_set() or time.monotonic() - start > timeout:
                timed_out = not stream.overflow.is_set()
                self._kill_user_processes()
                stream.join(timeout=5.0)
                break
        exit_code = api.exec_inspect(exec_id).get("ExitCode")
        return ExecResult(
            exit_code=-9 if exit_code is None else int(exit_code),
            stdout=decode(bytes(stream.data[0])),
            stderr=decode(bytes(stream.data[1])),
            timed_out=timed_out,
            stdout_truncated=stream.truncated[0],
            stderr_truncated=stream.truncated[1],
            wall_time_s=time.monotonic() - start,
        )

    def _kill_user_processes(self) -> None:
        """SIGKILL every process of the sandbox user (the container's init runs as root)."""
        try:
            self.container.exec_run(["/bin/sh", "-c", "kill -9 -1"], user=str(SANDBOX_UID))
        except Exception as error:  # noqa: BLE001
            raise SandboxError(f"cannot stop processes in the docker sandbox: {error}") from error

    def reset(self) -> None:
        """Kill the sandbox user's processes and empty the workdir."""
        self._check_open()
        self._kill_user_processes()
        super().reset()

    def close(self) -> None:
        """Remove the container (and its volumes), then the host workdir. Safe to repeat."""
        if self.closed:
            return
        try:
            self.container.remove(force=True, v=True)
        except Exception as error:  # noqa: BLE001 - already gone is fine; log the rest
            logger.warning("removing docker sandbox container failed: %s", error)
        super().close()
