"""The C allocator under agentrl's CPU tensors: tcmalloc when the machine has it.

With glibc's malloc the main job's resident memory reached 3-4x its live tensors: glibc
serves the update's multi-megabyte activations from its heap once its mmap threshold has
risen (it does so dynamically, up to 32 MiB, after the first large free), and the freed
blocks stay resident, fragmented, between one layer's transients and the next
(`benchmarks/memory.py`, embedded SmolLM2-135M with LoRA: one checkpointed update on
8 x 300 tokens peaked at 3.5 GB; with tcmalloc 1.4 GB and no slower. A fixed 1 MiB glibc
mmap threshold gives 1.4 GB too, but each large tensor is then a fresh zero-filled
mapping: that step took a third longer.)

An allocator is chosen when a process starts, so the ``agentrl`` command re-executes
itself once with tcmalloc in ``LD_PRELOAD`` (`run_under_tcmalloc`), as Intel's PyTorch
launcher does; the preload is then taken out of the environment again, so the processes
agentrl starts (Chromium, Docker, env workers) keep their own allocator.
``AGENTRL_ALLOCATOR=system`` keeps glibc. Without tcmalloc on the machine (Debian / Ubuntu
package ``libtcmalloc-minimal4``, installed by ``scripts/install.sh``) nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import sys
from functools import cache
from pathlib import Path

CHOICE_VARIABLE = "AGENTRL_ALLOCATOR"  # "tcmalloc" (default) or "system"
_PRELOADED_MARK = "AGENTRL_PRELOADED"  # set across the re-exec: what LD_PRELOAD was before


def tcmalloc_library() -> str | None:
    """The tcmalloc shared library's name as the dynamic loader finds it, or None."""
    return ctypes.util.find_library("tcmalloc_minimal") or ctypes.util.find_library("tcmalloc")


def tcmalloc_loaded() -> bool:
    """Whether this process runs on tcmalloc (a mapped ``libtcmalloc``)."""
    try:
        return "libtcmalloc" in Path("/proc/self/maps").read_text()
    except OSError:
        return False


def run_under_tcmalloc() -> None:
    """Re-execute this command with tcmalloc preloaded, once, when the machine has it and
    ``AGENTRL_ALLOCATOR`` is not ``system``; otherwise return at once. In the re-executed
    process it restores ``LD_PRELOAD`` to what it was, for the processes started later."""
    if _PRELOADED_MARK in os.environ:  # the re-executed process
        before = os.environ.pop(_PRELOADED_MARK)
        if before:
            os.environ["LD_PRELOAD"] = before
        else:
            os.environ.pop("LD_PRELOAD", None)
        return
    if os.environ.get(CHOICE_VARIABLE, "tcmalloc") == "system" or not sys.platform.startswith(
        "linux"
    ):
        return
    library = tcmalloc_library()
    if library is None or tcmalloc_loaded():
        return
    before = os.environ.get("LD_PRELOAD", "")
    environment = dict(os.environ)
    environment[_PRELOADED_MARK] = before
    environment["LD_PRELOAD"] = f"{library} {before}".strip()
    # tcmalloc reports every allocation over 1 GiB on stderr unless told otherwise
    environment.setdefault("TCMALLOC_LARGE_ALLOC_REPORT_THRESHOLD", str(1 << 40))
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, [sys.executable, *sys.orig_argv[1:]], environment)


@cache
def _release_function() -> ctypes._CFuncPtr | None:
    """tcmalloc's ``MallocExtension_ReleaseFreeMemory`` when it runs this process, else
    glibc's ``malloc_trim``; None where there is neither."""
    process = ctypes.CDLL(None)
    if tcmalloc_loaded() and hasattr(process, "MallocExtension_ReleaseFreeMemory"):
        release = process.MallocExtension_ReleaseFreeMemory
        release.restype = None
        return release
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    if libc is None or not hasattr(libc, "malloc_trim"):
        return None
    trim = libc.malloc_trim
    return lambda: trim(0)  # type: ignore[return-value]


def release_free_memory() -> None:
    """Collect garbage and return the allocator's free pages to the OS (tcmalloc's
    ``ReleaseFreeMemory`` or glibc's ``malloc_trim``; a no-op elsewhere), so one stage's
    transient peak does not stay resident."""
    gc.collect()
    release = _release_function()
    if release is not None:
        release()
