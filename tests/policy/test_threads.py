"""Thread settings for a shared CPU: the wait policy, the cores free, adapting torch."""

from __future__ import annotations

import os
import subprocess
import sys

import torch

from agentrl.policy.threads import adapt_threads, free_cores, other_runnable, usable_cores


def _python(code: str, env: dict[str, str] | None = None) -> str:
    environ = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"} | (env or {})
    return subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True,
                          text=True, check=True, timeout=300).stdout.strip()


def test_import_agentrl_sets_passive_waiting_unless_the_user_chose() -> None:
    code = "import os, agentrl; print(os.environ['OMP_WAIT_POLICY'])"
    assert _python(code) == "PASSIVE"
    assert _python(code, {"OMP_WAIT_POLICY": "ACTIVE"}) == "ACTIVE"


def test_usable_cores_follow_the_affinity_and_free_cores_stay_within_them() -> None:
    assert usable_cores() == len(os.sched_getaffinity(0))
    assert 1 <= free_cores() <= usable_cores()
    assert other_runnable() >= 0
    code = ("import os; from agentrl.policy.threads import usable_cores, free_cores; "
            "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
            "print(usable_cores(), free_cores())")
    assert _python(code) == "1 1"


def test_a_busy_competitor_takes_a_core_away() -> None:
    """Pinned to one core beside a process spinning on it: nothing is free but the floor."""
    core = min(os.sched_getaffinity(0))
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"],
                               preexec_fn=lambda: os.sched_setaffinity(0, {core}))
    try:
        code = ("import os, time; from agentrl.policy.threads import other_runnable, free_cores; "
                f"os.sched_setaffinity(0, {{{core}}}); time.sleep(0.5); "
                "print(other_runnable() >= 1, free_cores())")
        assert _python(code) == "True 1"
    finally:
        spinner.kill()
        spinner.wait()


def test_adapt_threads_sets_the_requested_count_or_the_free_cores() -> None:
    before = torch.get_num_threads()
    try:
        assert adapt_threads(3) == 3 and torch.get_num_threads() == 3
        chosen = adapt_threads(None)
        assert chosen == torch.get_num_threads() and 1 <= chosen <= usable_cores()
    finally:
        torch.set_num_threads(before)
