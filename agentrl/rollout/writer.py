"""Trajectories as JSONL: appended and flushed one by one, as episodes finish."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from agentrl.core.types import Trajectory


class TrajectoryWriter:
    """Appends each trajectory as one JSON line and flushes it at once (thread-safe)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, trajectory: Trajectory) -> None:
        line = trajectory.model_dump_json()
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        """Close the file."""
        self._file.close()


def read_trajectories(path: str | Path) -> Iterator[Trajectory]:
    """Yield the trajectories of a JSONL file; a torn last line (killed run) is skipped."""
    with Path(path).open(encoding="utf-8") as file:
        for line in file:
            if not line.strip():
                continue
            try:
                yield Trajectory.model_validate_json(line)
            except ValueError:
                if line.endswith("\n"):
                    raise
