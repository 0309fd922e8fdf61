"""Sandboxes whose workdir is a host temp folder (bwrap, local): files, reset, reaping."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from agentrl.sandbox.base import LABEL, Sandbox, SandboxError, host_path_inside, logger
from agentrl.sandbox.limits import Limits

_PREFIX = "agentrl-sandbox-"


def sandbox_root() -> Path:
    """Folder holding every host-folder sandbox (``$TMPDIR/agentrl-sandboxes``)."""
    root = Path(tempfile.gettempdir()) / "agentrl-sandboxes"
    root.mkdir(parents=True, exist_ok=True)
    return root


def pid_alive(pid: int) -> bool:
    """Whether a process with id ``pid`` exists (it may belong to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_orphans() -> list[Path]:
    """Remove sandbox folders left by processes that died without closing them.

    Folder names carry their creator's pid (``agentrl-sandbox-<pid>-<random>``); a folder
    whose creator is gone is an orphan. Returns what was removed.
    """
    removed = []
    for folder in sandbox_root().glob(f"{_PREFIX}*"):
        try:
            pid = int(folder.name[len(_PREFIX) :].split("-", 1)[0])
        except ValueError:
            continue
        if pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    if removed:
        logger.info("reaped %d orphaned sandbox folder(s)", len(removed))
    return removed


class HostDirSandbox(Sandbox):
    """Common part of backends whose workdir is a host folder.

    ``owner_uid``: when set (running as root), the workdir and every file written into it
    are owned by that uid, the unprivileged user commands run as.
    """

    def __init__(self, limits: Limits, owner_uid: int | None = None) -> None:
        super().__init__(limits)
        self.owner_uid = owner_uid
        try:
            prefix = f"{_PREFIX}{os.getpid()}-"
            self.root = Path(tempfile.mkdtemp(prefix=prefix, dir=sandbox_root()))
            (self.root / LABEL).write_text(str(os.getpid()))
            self.host_workdir = self.root / "work"
            self._make_workdir()
        except OSError as error:
            raise SandboxError(f"cannot create a sandbox folder: {error}") from error

    def _make_workdir(self) -> None:
        self.host_workdir.mkdir(mode=0o755)
        self._chown(self.host_workdir)

    def _chown(self, path: Path) -> None:
        if self.owner_uid is not None:
            os.chown(path, self.owner_uid, self.owner_uid, follow_symlinks=False)

    def read_file(self, path: str) -> str:
        """Text of the workdir file ``path``; undecodable bytes become U+FFFD."""
        self._check_open()
        return host_path_inside(self.host_workdir, path).read_text(errors="replace")

    def write_file(self, path: str, content: str) -> None:
        """Write ``content`` to the workdir file ``path``, creating parent folders.

        What is created is owned by ``owner_uid`` when set; `SandboxError` on failure.
        """
        self._check_open()
        target = host_path_inside(self.host_workdir, path)
        try:
            created = [p for p in reversed(target.parents) if not p.exists()]
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
        except OSError as error:
            raise SandboxError(f"cannot write {path!r} into the sandbox: {error}") from error
        for item in [*created, target]:
            self._chown(item)

    def list_files(self) -> list[str]:
        """Workdir-relative paths of every regular file, sorted; symlinks are skipped."""
        self._check_open()
        found = []
        for folder, _, files in os.walk(self.host_workdir):  # symlinks are not followed
            base = Path(folder).relative_to(self.host_workdir)
            for name in files:
                path = Path(folder) / name
                if path.is_file() and not path.is_symlink():
                    found.append((base / name).as_posix())
        return sorted(found)

    def upload(self, source: Path) -> None:
        """Copy the contents of the host folder ``source`` into the workdir.

        Everything copied is owned by ``owner_uid`` when set; `SandboxError` on failure.
        """
        self._check_open()
        try:
            shutil.copytree(source, self.host_workdir, dirs_exist_ok=True, symlinks=True)
            self.host_workdir.chmod(0o755)  # copytree copied the source folder's mode
        except OSError as error:
            raise SandboxError(f"cannot copy {source} into the sandbox: {error}") from error
        if self.owner_uid is not None:
            for folder, dirs, files in os.walk(self.host_workdir):
                for name in [*dirs, *files]:
                    self._chown(Path(folder) / name)

    def reset(self) -> None:
        """Empty the workdir, keeping the folder itself (a bind mount may refer to it).

        `SandboxError` if something cannot be removed.
        """
        self._check_open()
        # Empty the folder but keep it: a container's bind mount refers to this very inode.
        for child in list(self.host_workdir.iterdir()):
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        if any(self.host_workdir.iterdir()):
            raise SandboxError(f"cannot empty the sandbox workdir {self.host_workdir}")

    def close(self) -> None:
        """Remove the sandbox's host folder. Safe to repeat."""
        if self.closed:
            return
        self.closed = True
        shutil.rmtree(self.root, ignore_errors=True)
