"""Env isolation: TextWorld envs stepped in threads vs each in its own process (`ProcessEnv`).

A native engine (TextWorld's frotz, ALFWorld's planner) can crash the interpreter it runs
in; in a child process the crash errors one episode instead of the run. This measures what
that costs in the rollout runner itself: the same 16 episodes (4 games × group 4, the
training shape), a scripted policy that cycles through a fixed list of commands (so both
modes take the same path and the env is all that is timed), once with ``executor: thread``
and once with ``executor: process``, alternating. Reported: the first rollout (which starts
the envs: a spawned child imports agentrl and TextWorld), the steady rollouts after it,
and the process/thread ratio of each.

    python benchmarks/env_isolation.py [--games 4] [--group 4] [--turns 10] [--repeats 5]

Measured on the 2-core CPU (other jobs running): see the closing lines of a run.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import time
import warnings
from typing import Any

from agentrl.core.process_env import ProcessEnv
from agentrl.core.registry import make
from agentrl.policy.base import Generation, Messages, SamplingParams
from agentrl.rollout.runner import RolloutOptions, RolloutRunner

COMMANDS = ("look", "inventory", "go north", "open box", "go south", "take key", "xyzzy")


class CyclingPolicy:
    """Replies the next command of `COMMANDS` to every conversation (no model)."""

    def __init__(self) -> None:
        self.calls = 0

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: Any = None) -> list[Generation]:
        """One ``<action>`` reply per conversation; all take the same command this turn."""
        command = COMMANDS[self.calls % len(COMMANDS)]
        self.calls += 1
        return [Generation(text=f"<action>{command}</action>", prompt_ids=[1], token_ids=[2],
                           logprobs=[0.0]) for _ in batch]


def rollout_times(executor: str, tasks: list, group: int, turns: int,
                  repeats: int) -> tuple[float, list[float], int]:
    """(first rollout s, later rollouts s, steps per rollout) with one runner."""
    factory = functools.partial(make, "textworld", max_turns=turns)
    make_env = factory if executor == "thread" else functools.partial(ProcessEnv, factory)
    options = RolloutOptions(group_size=group, step_timeout_s=600)  # first resets start envs
    runner = RolloutRunner(make_env, CyclingPolicy(), options)
    times = []
    try:
        for repeat in range(repeats + 1):
            start = time.perf_counter()
            trajectories = runner.run(tasks, seed=repeat, progress=False)
            times.append(time.perf_counter() - start)
            errored = [t.error for t in trajectories if t.errored]
            assert not errored, f"{executor}: episodes errored: {errored[:2]}"
    finally:
        runner.close()
    steps = sum(len(t.turns) for t in trajectories)
    return times[0], times[1:], steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=4)
    parser.add_argument("--group", type=int, default=4)
    parser.add_argument("--turns", type=int, default=10, help="Turns per episode.")
    parser.add_argument("--repeats", type=int, default=5, help="Rollouts after the first.")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", message=".*is not fully supported")

    tasks = list(make("textworld").tasks("train"))[: args.games]
    results: dict[str, tuple[float, list[float], int]] = {}
    for executor in ("thread", "process", "thread", "process"):  # alternate: noise hits both
        first, later, steps = rollout_times(executor, tasks, args.group, args.turns,
                                            args.repeats)
        print(f"{executor}: first rollout {first:.2f}s, later "
              f"{', '.join(f'{t:.2f}' for t in later)}s ({steps} steps each)")
        best = results.get(executor)
        if best is None or min(later) < min(best[1]):
            results[executor] = (first, later, steps)

    thread, process = results["thread"], results["process"]
    steps = thread[2]
    print(f"episodes: {len(tasks) * args.group}, steps per rollout: {steps}")
    print(f"thread_steady_ms_per_step: {min(thread[1]) / steps * 1000:.2f}")
    print(f"process_steady_ms_per_step: {min(process[1]) / steps * 1000:.2f}")
    print(f"thread_first_rollout_s: {thread[0]:.2f}")
    print(f"process_first_rollout_s: {process[0]:.2f}")
    print(f"steady_ratio_process_over_thread: "
          f"{statistics.median(process[1]) / statistics.median(thread[1]):.2f}")
    print(f"first_rollout_ratio_process_over_thread: {process[0] / thread[0]:.2f}")


if __name__ == "__main__":
    main()
