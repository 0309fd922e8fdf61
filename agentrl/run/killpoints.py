"""Named points where a test may kill the run, to prove that a kill anywhere loses nothing.

``AGENTRL_KILL_AT=NAME:N`` makes the process SIGKILL itself the N-th time (1-based; 1 when
``:N`` is left out) it reaches `kill_point` ``NAME``: no ``finally`` runs, no buffer is
flushed — what a power cut or ``kill -9`` leaves. Unset (always, outside tests), every point
is a dictionary lookup. The points: ``writer`` (an episode's line written), ``update`` (the
update done, nothing of it written), ``checkpoint.model`` / ``checkpoint.trainer`` /
``checkpoint.renamed`` (inside the checkpoint write), ``checkpointed`` (a checkpoint made
current), ``metrics`` (an iteration's metrics line written, before its checkpoint),
``eval`` (the final eval's files written, before its metrics line).
"""

from __future__ import annotations

import os
import signal
from collections import Counter

KILL_AT = "AGENTRL_KILL_AT"
_reached: Counter[str] = Counter()


def kill_point(name: str) -> None:
    """SIGKILL this process if ``AGENTRL_KILL_AT`` names ``name`` and its count is reached."""
    target = os.environ.get(KILL_AT)
    if not target:
        return
    point, _, count = target.partition(":")
    if point != name:
        return
    _reached[name] += 1
    if _reached[name] == int(count or 1):
        os.kill(os.getpid(), signal.SIGKILL)
