"""Env isolation: TextWorld envs stepped in threads vs each in its own process (`ProcessEnv`).

A native engine (TextWorld's frotz, ALFWorld's planner) can crash the interpreter it runs
in; in a child process the crash errors one episode instead of the run. This measures what
that costs in the rollout runner itself: the same 16 episodes (4 games × group 4, the
training shape), a scripted policy that cycles through a fixed list of commands (so both
modes take the same path and the env is all that is timed), twice with ``env_workers:
threads`` and twice with ``env_workers: processes``, alternating. Reported: the first
rollout of a runner (it starts the envs; in process mode each is forked from a fork server
that has imported agentrl and TextWorld and parsed TextWorld's logic once, which the very
first runner also waits for), the steady rollouts after it (medians), and the process/thread
ratios.

    python benchmarks/env_isolation.py [--games 4] [--group 4] [--turns 10] [--repeats 5]

Measured on the 2-core CPU with other jobs running (load 7-8), 16 episodes × 10 turns: steady
6.8 ms per env step in threads, 11.4 ms in processes (ratio 1.68; 1.10 and 1.24 in two
earlier runs: the pipe round trip and pickling, ~1-5 ms a step); a runner's first rollout
2.25 s in processes vs 2.08 s in threads (1.08), 7.6 s for the very first one (fork server
start). Against a training iteration of the quick start (rollout 17-20 s, update 70 s and
more on this CPU) the process executor adds well under 1 %.
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
    firsts: dict[str, list[float]] = {"thread": [], "process": []}
    later: dict[str, list[float]] = {"thread": [], "process": []}
    for executor in ("thread", "process", "thread", "process"):  # alternate: noise hits both
        first, rest, steps = rollout_times(executor, tasks, args.group, args.turns,
                                           args.repeats)
        print(f"{executor}: first rollout {first:.2f}s, later "
              f"{', '.join(f'{t:.2f}' for t in rest)}s ({steps} steps each)")
        firsts[executor].append(first)
        later[executor] += rest

    print(f"episodes: {len(tasks) * args.group}, steps per rollout: {steps}")
    for executor in ("thread", "process"):
        per_step_ms = statistics.median(later[executor]) / steps * 1e3
        print(f"{executor}_steady_ms_per_step: {per_step_ms:.2f}")
    # The first process runner also starts the fork server (imports, TextWorld's logic).
    print(f"process_first_rollout_with_server_start_s: {firsts['process'][0]:.2f}")
    print(f"process_first_rollout_s: {firsts['process'][1]:.2f}")
    print(f"thread_first_rollout_s: {statistics.median(firsts['thread']):.2f}")
    steady = statistics.median(later["process"]) / statistics.median(later["thread"])
    print(f"steady_ratio_process_over_thread: {steady:.2f}")
    print(f"first_rollout_ratio_process_over_thread: "
          f"{firsts['process'][1] / statistics.median(firsts['thread']):.2f}")


if __name__ == "__main__":
    main()
