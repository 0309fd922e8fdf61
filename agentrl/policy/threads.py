"""torch CPU threads that degrade gracefully on a shared machine.

Two things made the main job collapse (15x slower) when another CPU-bound process ran:
more torch threads than free cores, and OpenMP's active waiting — a thread that finishes
its share of a parallel region spins at the barrier for its descheduled sibling, taking the
core from it. So: OpenMP threads sleep when they wait (``OMP_WAIT_POLICY=PASSIVE``, set
by ``import agentrl`` before torch loads its OpenMP runtime, unless set), and with
``policy.cpu_threads`` unset the thread count follows the cores actually free — the
cores this process may run on (``os.sched_getaffinity``) minus the other runnable tasks
(``/proc/loadavg``) — re-read before every rollout and update.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path


def usable_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def other_runnable(samples: int = 5, interval_s: float = 0.01) -> int:
    """Runnable tasks other than this one, the median of a few reads of ``/proc/loadavg``
    (its fourth field counts the tasks running now, the reader included); 0 where there
    is no such file."""
    path = Path("/proc/loadavg")
    if not path.exists():
        return 0
    counts = []
    for index in range(samples):
        if index:
            time.sleep(interval_s)
        running = int(path.read_text().split()[3].split("/")[0])
        counts.append(max(0, running - 1))
    return int(statistics.median(counts))


def free_cores() -> int:
    """The usable cores not taken by other runnable tasks, at least 1."""
    cores = usable_cores()
    return max(1, cores - min(cores, other_runnable()))


def adapt_threads(requested: int | None = None) -> int:
    """Set torch's CPU threads to ``requested``, or (None) to the cores free now; returns
    the count. Cheap when nothing changes."""
    import torch

    threads = requested or free_cores()
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads
