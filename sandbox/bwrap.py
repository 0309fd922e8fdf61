"""The bubblewrap backend: every command in fresh namespaces, on a bind-mounted workdir.

Each `exec` starts one ``bwrap`` with new pid, net, ipc and uts namespaces: no network
device but loopback, the host's /usr (and the Python install) read-only, a private /tmp,
and the workdir as the only writable host path. When the command ends or is killed, the
pid namespace dies and takes every background process with it. As root, commands run as
an unprivileged uid of their own (so ``RLIMIT_NPROC`` bounds them); otherwise bwrap uses
an unprivileged user namespace.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path

from agentrl.sandbox.base import WORKDIR, ExecResult, SandboxError
from agentrl.sandbox.hostdir import HostDirSandbox, reap_orphans
from agentrl.sandbox.image import pytest_site
from agentrl.sandbox.limits import Limits, apply_rlimits
from agentrl.sandbox.process import run_capped

SANDBOX_UID_RANGE = (200_000, 265_000)
"""Uids handed to sandboxes when running as root; one per sandbox, never a real user."""

_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_FILES = ("/etc/ld.so.cache", "/etc/alternatives", "/etc/localtime")


def _python_dirs() -> list[str]:
    """Host folders that must be visible for ``python3 -m pytest`` to work inside."""
    dirs = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix)}
    site = pytest_site()
    if site:
        dirs.add(site)
    return sorted(d for d in dirs if not d.startswith("/usr/"))


def _system_binds() -> list[str]:
    args: list[str] = []
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    args += ["--perms", "0755", "--dir", "/etc"]
    for path in _ETC_FILES:
        args += ["--ro-bind-try", path, path]
    return args


def _python_binds() -> list[str]:
    args: list[str] = []
    made: set[str] = set()
    for folder in _python_dirs():
        parents = list(reversed(Path(folder).parents))[1:]
        for parent in map(str, parents):  # bwrap would create them 0700, unreadable
            if parent not in made and not parent.startswith("/usr"):
                args += ["--perms", "0755", "--dir", parent]
                made.add(parent)
        args += ["--ro-bind", folder, folder]
    return args


def bwrap_available() -> str | None:
    """None when bwrap can run a sandbox here, otherwise why not."""
    if shutil.which("bwrap") is None:
        return "bwrap is not installed (apt-get install -y bubblewrap)"
    return None


class BwrapSandbox(HostDirSandbox):
    """A sandbox isolated by bubblewrap namespaces plus rlimits; see the module docstring."""

    backend = "bwrap"

    def __init__(self, limits: Limits | None = None) -> None:
        problem = bwrap_available()
        if problem:
            raise SandboxError(problem)
        reap_orphans()
        self.as_root = os.geteuid() == 0
        uid = secrets.randbelow(SANDBOX_UID_RANGE[1] - SANDBOX_UID_RANGE[0]) + SANDBOX_UID_RANGE[0]
        super().__init__(limits or Limits(), owner_uid=uid if self.as_root else None)
        python_bin = str(Path(os.path.realpath(sys.executable)).parent)
        self._env = {
            "PATH": f"{python_bin}:/usr/local/bin:/usr/bin:/bin",
            "HOME": WORKDIR,
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONPATH": pytest_site() or "",  # pytest may live in a venv python3 won't see
        }
        self._prefix = self._bwrap_prefix()

    def _bwrap_prefix(self) -> list[str]:
        if self.as_root:  # no user namespace: a real unprivileged uid, capped by rlimits
            unshare = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts"]
            unshare += ["--unshare-cgroup-try", "--cap-add", "CAP_SETUID"]
            unshare += ["--cap-add", "CAP_SETGID"]
        else:
            unshare = ["--unshare-all"]
        args = ["bwrap", *unshare, "--die-with-parent", "--new-session", "--clearenv"]
        args += _system_binds() + _python_binds()
        args += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--tmpfs", "/tmp"]
        args += ["--bind", str(self.host_workdir), WORKDIR, "--chdir", WORKDIR]
        for key, value in self._env.items():
            args += ["--setenv", key, value]
        args.append("--")
        if self.as_root:
            uid = str(self.owner_uid)
            args += ["setpriv", "--reuid", uid, "--regid", uid, "--clear-groups"]
            args += ["--inh-caps=-all", "--bounding-set=-all", "--"]
        return args

    def exec(self, cmd: str, timeout: float | None = None) -> ExecResult:
        """Run ``cmd`` with ``/bin/sh -c`` inside bubblewrap, under the sandbox's limits."""
        self._check_open()
        limits = self.limits
        try:
            return run_capped(
                [*self._prefix, "/bin/sh", "-c", cmd],
                timeout=limits.wall_time_s if timeout is None else timeout,
                max_output_bytes=limits.max_output_bytes,
                env={"PATH": "/usr/bin:/bin"},
                preexec_fn=lambda: apply_rlimits(limits),
            )
        except OSError as error:
            raise SandboxError(f"bwrap failed to start: {error}") from error

    def reset(self) -> None:
        """Empty the workdir, as `HostDirSandbox.reset`, and rebuild the bwrap command prefix."""
        super().reset()
        self._prefix = self._bwrap_prefix()
