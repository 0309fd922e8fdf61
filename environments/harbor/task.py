"""A Harbor task folder read from disk: instruction, ``task.toml`` settings, its parts.

Layout (PyPI ``harbor``)::

    instruction.md            what the agent is asked to do
    task.toml                 [agent] timeout_sec, [verifier] timeout_sec,
                              [environment] build_timeout_sec, cpus, memory_mb, workdir
    environment/Dockerfile    the image (its folder is the build context)
    tests/test.sh             the verifier; writes /logs/verifier/reward.txt or reward.json
    solution/solve.sh         the oracle
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # Python 3.10: the same parser as a package
    import tomli as tomllib


class HarborTaskError(ValueError):
    """A folder that is not a usable Harbor task; the message names the folder and the part."""


@dataclass(frozen=True)
class HarborTask:
    """One Harbor task folder and the settings agentrl uses from it."""

    path: Path
    name: str
    instruction: str
    config: dict[str, Any]

    @classmethod
    def load(cls, path: str | Path) -> HarborTask:
        """Read ``path``; `HarborTaskError` names what is missing or malformed."""
        root = Path(path).expanduser().resolve()
        if not root.is_dir():
            raise HarborTaskError(f"Harbor task folder {root} does not exist")
        for part in ("instruction.md", "tests/test.sh"):
            if not (root / part).is_file():
                raise HarborTaskError(f"Harbor task {root} has no {part}")
        config: dict[str, Any] = {}
        if (root / "task.toml").is_file():
            try:
                config = tomllib.loads((root / "task.toml").read_text())
            except tomllib.TOMLDecodeError as error:
                raise HarborTaskError(f"{root / 'task.toml'}: {error}") from error
        return cls(root, root.name, (root / "instruction.md").read_text().strip(), config)

    def setting(self, section: str, key: str, default: Any) -> Any:
        """``task.toml``'s ``[section] key``, or ``default``."""
        return (self.config.get(section) or {}).get(key, default)

    @property
    def dockerfile(self) -> Path | None:
        """``environment/Dockerfile`` when the task has one."""
        path = self.path / "environment" / "Dockerfile"
        return path if path.is_file() else None

    @property
    def workdir(self) -> str:
        """Where the task expects its files: task.toml's workdir, the Dockerfile's last
        WORKDIR, else /workspace (agentrl's sandbox workdir)."""
        configured = self.setting("environment", "workdir", None)
        if configured:
            return str(configured)
        if self.dockerfile:
            found = re.findall(r"^\s*WORKDIR\s+(\S+)", self.dockerfile.read_text(), re.M | re.I)
            if found:
                return found[-1]
        return "/workspace"

    @property
    def agent_timeout_s(self) -> float:
        """[agent] timeout_sec: the episode's time budget (Harbor's default 600 s)."""
        return float(self.setting("agent", "timeout_sec", 600.0))

    @property
    def verifier_timeout_s(self) -> float:
        """[verifier] timeout_sec: how long tests/test.sh may run (Harbor's default 600 s)."""
        return float(self.setting("verifier", "timeout_sec", 600.0))

    @property
    def build_timeout_s(self) -> float:
        """[environment] build_timeout_sec (Harbor's default 600 s)."""
        return float(self.setting("environment", "build_timeout_sec", 600.0))

    @property
    def memory_mb(self) -> int:
        """[environment] memory_mb, else agentrl's sandbox default of 1024."""
        return int(self.setting("environment", "memory_mb", 1024) or 1024)


def find_tasks(path: str | Path) -> list[HarborTask]:
    """The task at ``path``, or every task folder directly under it, sorted by name."""
    root = Path(path).expanduser()
    if (root / "instruction.md").is_file():
        return [HarborTask.load(root)]
    if not root.is_dir():
        raise HarborTaskError(f"Harbor task path {root} does not exist")
    tasks = [HarborTask.load(p) for p in sorted(root.iterdir()) if (p / "instruction.md").is_file()]
    if not tasks:
        raise HarborTaskError(f"{root} holds no Harbor task folder (none has instruction.md)")
    return tasks
