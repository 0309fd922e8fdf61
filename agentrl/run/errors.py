"""Errors about a run folder, said in one paragraph: what is wrong, which file, what to do.

The ``agentrl`` command shows a `RunFolderError` like a recipe error: its message, exit
status 2, no traceback.
"""

from __future__ import annotations

import errno
from pathlib import Path


class RunFolderError(ValueError):
    """A run folder that cannot be used as it is: damaged, incomplete, another recipe's, or
    on a full disk. The message names the file and what to do."""


def is_disk_full(error: BaseException) -> bool:
    """True when ``error`` (or one it was raised from) says the disk or quota is full —
    an ``OSError`` with ENOSPC / EDQUOT, or a library's message carrying the OS's words."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if "No space left on device" in str(seen) or "Disk quota exceeded" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def disk_full_error(path: Path) -> RunFolderError:
    """The paragraph for a write to ``path`` that failed because its disk is full."""
    return RunFolderError(
        f"disk full: writing {path} failed (no space left on the device holding it). Free "
        "some space on that disk and run the same command again: the run resumes from its "
        "last complete checkpoint, and its files keep each episode and iteration once."
    )
