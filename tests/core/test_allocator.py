"""agentrl.core.allocator: the command re-executes itself once on tcmalloc, leaves the
environment of the processes it starts as it found it, and can be told to keep glibc."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from agentrl.core.allocator import release_free_memory, tcmalloc_library

needs_tcmalloc = pytest.mark.skipif(
    tcmalloc_library() is None, reason="no tcmalloc here (package libtcmalloc-minimal4)")

PROBE = """
import json, os, subprocess, sys
from agentrl.core.allocator import release_free_memory, run_under_tcmalloc, tcmalloc_loaded
run_under_tcmalloc()
release_free_memory()
child = subprocess.run([sys.executable, "-c", "import os; print(os.environ.get('LD_PRELOAD'))"],
                       capture_output=True, text=True, check=True).stdout.strip()
print(json.dumps({"pid": os.getpid(), "tcmalloc": tcmalloc_loaded(), "argv": sys.argv[1:],
                  "preload": os.environ.get("LD_PRELOAD"), "child_preload": child,
                  "marks": [k for k in os.environ if k.startswith("AGENTRL_PRELOADED")]}))
"""


def probe(*args: str, **environment: str) -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_PRELOAD", "AGENTRL_ALLOCATOR")} | environment
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@needs_tcmalloc
def test_the_process_runs_on_tcmalloc_with_its_arguments_and_its_children_do_not() -> None:
    result = probe("train", "x=1")
    assert result["tcmalloc"]
    assert result["argv"] == ["train", "x=1"]  # the re-executed command is the same command
    assert result["preload"] is None and result["child_preload"] == "None"
    assert result["marks"] == []


@needs_tcmalloc
def test_a_preload_the_user_set_is_kept_and_passed_on() -> None:
    result = probe(LD_PRELOAD="libm.so.6")
    assert result["tcmalloc"]
    assert result["preload"] == "libm.so.6" and result["child_preload"] == "libm.so.6"


def test_agentrl_allocator_system_keeps_glibc() -> None:
    result = probe(AGENTRL_ALLOCATOR="system")
    assert not result["tcmalloc"]
    assert result["preload"] is None


@needs_tcmalloc
def test_the_agentrl_command_runs_on_tcmalloc() -> None:
    code = ("import sys; sys.argv = ['agentrl', 'envs']; "
            "import agentrl.core.allocator as a, agentrl.cli.commands as c; "
            "c.app = lambda **_: print('tcmalloc', a.tcmalloc_loaded()); c.main()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env={k: v for k, v in os.environ.items()
                                            if k != "AGENTRL_ALLOCATOR"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "tcmalloc True"


def test_release_free_memory_runs_on_glibc_too() -> None:
    release_free_memory()  # this pytest process: glibc (nothing preloaded it)
