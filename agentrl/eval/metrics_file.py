"""Reading a run's metrics.jsonl (the run loop writes it: `agentrl.run.metrics`)."""

from __future__ import annotations

import json
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["metric_rows", "read_metrics"]


def read_metrics(run_dir: Path) -> list[dict[str, Any]]:
    """Metric lines of a run, merged per iteration (warm start and iteration 0 share one).
    A line that is not a JSON object with an iteration (torn by a kill or a full disk) is
    skipped with a warning."""
    by_iteration: dict[int, dict[str, Any]] = {}
    for row in metric_rows(run_dir / "metrics.jsonl"):
        by_iteration.setdefault(row["iteration"], {}).update(row)
    return [by_iteration[i] for i in sorted(by_iteration)]


def metric_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The rows of a metrics.jsonl file in order; a torn line is skipped with a warning."""
    if not path.exists():
        return
    with path.open(encoding="utf-8", errors="replace") as file:
        for number, line in enumerate(file, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
                if not isinstance(row, dict) or not isinstance(row.get("iteration"), int):
                    raise ValueError("not an object with an integer 'iteration'")
            except ValueError as error:
                warnings.warn(f"{path}: line {number} skipped, it is not a metrics row "
                              f"({error}); a run killed mid-write leaves such a line",
                              stacklevel=3)
                continue
            yield row
