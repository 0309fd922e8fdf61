"""ALFWorld: agentrl's env vs stepping TextWorld's PDDL engine directly, and parallel episodes.

1. Steps/s of `AlfWorldEnv.step` against `AlfredEngine.step` (TextWorld ``PddlEnv`` +
   ALFWorld's demangler, asked for the same facts) on the same command sequences, run
   interleaved; overhead = agentrl time / engine time - 1 (target <= 3 %). The engine without
   facts (what ALFWorld's own RL loop asks for) is shown too.
2. Episodes/s of planner-driven episodes with N envs in N processes, N = 1 and 2.

Run: ``python benchmarks/alfworld_overhead.py`` (about a minute; generates its tasks into a
temporary cache).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from multiprocessing import get_context

os.environ.setdefault("AGENTRL_CACHE", tempfile.mkdtemp(prefix="alfworld-bench-"))

from agentrl.environments.alfworld.engine import AlfredEngine  # noqa: E402
from agentrl.environments.alfworld.env import AlfWorldEnv  # noqa: E402
from agentrl.environments.alfworld.tasks import game_file_of  # noqa: E402

TASKS = 3
ROUNDS = 7
EXTRA = ("look", "inventory", "look", "inventory")


def scripts(env: AlfWorldEnv) -> list[tuple[object, list[str]]]:
    """Per task: the planner's solution preceded by a few no-progress commands."""
    plans = []
    for task in env.tasks("train")[:TASKS]:
        env.reset(task, seed=0)
        plans.append((task, [*EXTRA, *env.planner_actions()]))
    return plans


def time_engine(engine: AlfredEngine, plans) -> tuple[float, int]:
    elapsed, steps = 0.0, 0
    for task, commands in plans:
        engine.load(game_file_of(task))
        engine.reset()
        start = time.perf_counter()
        for command in commands:
            engine.step(command)
        elapsed += time.perf_counter() - start
        steps += len(commands)
    return elapsed, steps


def time_env(env: AlfWorldEnv, plans) -> tuple[float, int]:
    elapsed, steps = 0.0, 0
    for task, commands in plans:
        env.reset(task, seed=0)
        start = time.perf_counter()
        for command in commands:
            env.step(command)
        elapsed += time.perf_counter() - start
        steps += len(commands)
    return elapsed, steps


def step_overhead() -> dict[str, float]:
    """Median over rounds of each runner's steps/s; runners interleave task by task."""
    env = AlfWorldEnv(num_tasks=TASKS, max_turns=200)
    plans = scripts(env)
    engines = {"facts": AlfredEngine(facts=True), "nofacts": AlfredEngine(facts=False)}
    rates: dict[str, list[float]] = {"agentrl": [], "facts": [], "nofacts": []}
    for _ in range(ROUNDS):
        totals = {name: [0.0, 0] for name in rates}
        for plan in plans:  # interleaved, so drift on a shared machine hits all alike
            for name, (seconds, steps) in (
                ("facts", time_engine(engines["facts"], [plan])),
                ("agentrl", time_env(env, [plan])),
                ("nofacts", time_engine(engines["nofacts"], [plan])),
            ):
                totals[name][0] += seconds
                totals[name][1] += steps
        for name, (seconds, steps) in totals.items():
            rates[name].append(steps / seconds)
    env.close()
    for engine in engines.values():
        engine.close()
    return {name: statistics.median(values) for name, values in rates.items()}


def run_episodes(count: int) -> int:
    env = AlfWorldEnv(num_tasks=count, max_turns=200)
    for task in env.tasks("train"):
        env.reset(task, seed=0)
        for command in env.planner_actions():
            env.step(command)
    env.close()
    return count


def episodes_per_second(workers: int, per_worker: int) -> float:
    start = time.perf_counter()
    with get_context("spawn").Pool(workers) as pool:
        done = sum(pool.map(run_episodes, [per_worker] * workers))
    return done / (time.perf_counter() - start)


def main() -> None:
    rates = step_overhead()
    run_episodes(4)  # write the game files once, outside the timing
    one = episodes_per_second(1, 4)
    two = episodes_per_second(2, 4)
    print(f"engine (facts) steps/s: {rates['facts']:.1f}", file=sys.stderr)
    print(f"engine (no facts) steps/s: {rates['nofacts']:.1f}", file=sys.stderr)
    print(f"agentrl steps/s: {rates['agentrl']:.1f}", file=sys.stderr)
    overhead = 100 * (rates["facts"] / rates["agentrl"] - 1)
    overhead_nofacts = 100 * (rates["nofacts"] / rates["agentrl"] - 1)
    print(f"step_overhead_vs_engine_pct: {overhead:.2f}")
    print(f"step_overhead_vs_engine_nofacts_pct: {overhead_nofacts:.2f}")
    print(f"episodes_per_s_1proc: {one:.2f}")
    print(f"episodes_per_s_2proc: {two:.2f}")
    print(f"parallel_speedup_2proc: {two / one:.2f}")


if __name__ == "__main__":
    main()
