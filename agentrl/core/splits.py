"""Deterministic splits and the on-disk cache shared by every env family."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def cache_dir(family: str) -> Path:
    """Where ``family`` caches generated data: ``$AGENTRL_CACHE/<family>``.

    ``AGENTRL_CACHE`` defaults to ``~/.cache/agentrl``. The folder is created.
    """
    root = Path(os.environ.get("AGENTRL_CACHE", Path.home() / ".cache" / "agentrl"))
    path = root / family
    path.mkdir(parents=True, exist_ok=True)
    return path


def stable_hash(text: str) -> int:
    """A hash of ``text`` that is the same in every process (unlike ``hash``)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def split_seed(family: str, split: str, index: int) -> int:
    """Seed of task ``index`` of ``split``: disjoint, stable ranges per split."""
    return stable_hash(f"{family}/{split}") % 1_000_000 * 1_000 + index
