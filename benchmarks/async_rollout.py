"""Synchronous vs asynchronous training, side by side in one run, where env latency dominates.

Run: ``python benchmarks/async_rollout.py [--iterations N] [--scale S] [--measure-tasks M]``.

1. The latency: the SWE env's own step and reset times, measured here by running its
   oracle (an ``ls``, the fixing edit, the submit that runs the tests) in the bwrap sandbox
   on the first M tasks — the real distribution of an agentic env: near-instant commands
   and multi-second test runs.
2. The env: toy/corridor wrapped by `LatencyReplayEnv`, which sleeps before each reset and
   step for a latency drawn from that measured distribution (times ``--scale``), from a
   generator seeded by the episode's reset seed, so an episode sees the same latencies in
   every mode.
3. The runs: the same recipe (tiny llama, 4 tasks × 2 episodes per iteration, 4 turns) with
   ``trainer.mode`` sync, and async at max_staleness 1 and 2, one after the other in this
   process. Reported per mode: wall time per update (the run's iterations' wall time / their
   number), trainer tokens/s (action tokens trained on / that wall time), and for async the
   trainer's idle fraction and the staleness the updates saw.

Headline figures come last as ``metric: value`` lines; compare the ratios, not the absolute
times (the machine is shared; its load average is printed with them).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from agentrl.core.env import Env
from agentrl.core.registry import make, register
from agentrl.core.types import Observation, StepResult, Task
from agentrl.run.loop import train

ENV_ID = "bench/latency-corridor"


def measure_swe_latencies(tasks: int) -> dict[str, list[float]]:
    """Seconds per reset and per step of the SWE env (bwrap) driven by its oracle."""
    env = make("swe", backend="bwrap")
    resets, steps = [], []
    try:
        for task in list(env.tasks("train"))[:tasks]:
            started = time.perf_counter()
            env.reset(task, seed=0)
            resets.append(time.perf_counter() - started)
            for action in ["ls", *env.demonstration(task)]:
                started = time.perf_counter()
                result = env.step(action)
                steps.append(time.perf_counter() - started)
                if result.terminated or result.truncated:
                    break
    finally:
        env.close()
    return {"reset": resets, "step": steps}


class LatencyReplayEnv(Env):
    """toy/corridor, slowed by latencies replayed from a measured distribution."""

    def __init__(self, latencies: dict[str, list[float]], scale: float = 1.0,
                 max_turns: int = 4) -> None:
        self.inner = make("toy/corridor", max_turns=max_turns)
        self.spec = self.inner.spec
        self.latencies, self.scale = latencies, scale
        self.draw = random.Random(0)

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        """The corridor's reset, after a measured reset latency."""
        self.draw = random.Random(seed)
        time.sleep(self.scale * self.draw.choice(self.latencies["reset"]))
        return self.inner.reset(task, seed=seed)

    def step(self, action: str) -> StepResult:
        """The corridor's step, after a measured step latency."""
        time.sleep(self.scale * self.draw.choice(self.latencies["step"]))
        return self.inner.step(action)

    def tasks(self, split: str) -> list[Task]:
        """The corridor's tasks."""
        return list(self.inner.tasks(split))

    def close(self) -> None:
        """Close the corridor."""
        self.inner.close()


def recipe(run_dir: Path, name: str, iterations: int, **trainer: Any) -> dict[str, Any]:
    """The benchmark's recipe in mode ``trainer``."""
    return {
        "name": name, "seed": 3,
        "env": {"id": ENV_ID},
        "policy": {"model": "tiny:llama", "cpu_threads": 1},
        "rollout": {"group_size": 2, "lenient_parsing": True, "sampling": {"max_new_tokens": 8}},
        "algorithm": {"advantage": "grpo", "rollout_correction": "decoupled"},
        "optim": {"lr": 1e-3, "minibatch_size": 16, "micro_batch_size": 8},
        "trainer": {"iterations": iterations, "tasks_per_iteration": 4,
                    "checkpoint_every": iterations, **trainer},
        "eval": {"num_tasks": 1},
        "logging": {"run_dir": str(run_dir), "tensorboard": False, "progress": False},
    }


def measure_mode(run_dir: Path, name: str, iterations: int, **trainer: Any) -> dict[str, float]:
    """Train ``iterations`` in one mode; wall time per update and trainer tokens/s."""
    run = train(recipe(run_dir, name, iterations, **trainer))
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    rows = [row for row in rows if "perf/iteration_s" in row]
    episodes = [json.loads(line) for line in (run / "rollouts.jsonl").read_text().splitlines()]
    tokens = sum(len(turn["action_ids"]) for e in episodes for turn in e["turns"])
    wall = sum(row["perf/iteration_s"] for row in rows)
    result = {"s_per_update": wall / len(rows), "trainer_tokens_per_s": tokens / wall,
              "tokens": float(tokens)}
    if trainer.get("mode") == "async":
        result["trainer_idle_fraction"] = statistics.mean(
            row["perf/trainer_idle_fraction"] for row in rows)
        result["staleness_mean"] = statistics.mean(row["async/staleness_mean"] for row in rows)
        result["partial_episodes"] = statistics.mean(
            row["async/partial_episodes"] for row in rows)
    return result


def main() -> None:
    """Measure the latencies, run the three modes, print the table and the headlines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=6)
    parser.add_argument("--scale", type=float, default=0.2,
                        help="multiplies the measured latencies (1 = as measured)")
    parser.add_argument("--measure-tasks", type=int, default=3)
    args = parser.parse_args()
    latencies = measure_swe_latencies(args.measure_tasks)
    steps = sorted(latencies["step"])
    print(f"SWE env (bwrap), {len(steps)} oracle steps: median {statistics.median(steps):.3f}s,"
          f" max {steps[-1]:.3f}s, min {steps[0]:.3f}s; resets median "
          f"{statistics.median(latencies['reset']):.3f}s; replayed x{args.scale}", flush=True)
    register(ENV_ID, LatencyReplayEnv, latencies=latencies, scale=args.scale)
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        modes = {"sync": measure_mode(Path(tmp), "sync", args.iterations),
                 "async_k1": measure_mode(Path(tmp), "k1", args.iterations, mode="async",
                                          max_staleness=1),
                 "async_k2": measure_mode(Path(tmp), "k2", args.iterations, mode="async",
                                          max_staleness=2)}
    load_after = os.getloadavg()[0]
    print("\n| mode | s / update | trainer tokens/s | idle fraction | staleness | "
          "partial episodes |\n|---|---|---|---|---|---|")
    for name, row in modes.items():
        print(f"| {name} | {row['s_per_update']:.2f} | {row['trainer_tokens_per_s']:.1f} | "
              f"{row.get('trainer_idle_fraction', float('nan')):.2f} | "
              f"{row.get('staleness_mean', 0.0):.2f} | {row.get('partial_episodes', 0.0):.2f} |")
    print(f"load average: {load_before:.2f} before, {load_after:.2f} after "
          f"({os.cpu_count()} CPUs)")
    sync = modes["sync"]
    for name in ("async_k1", "async_k2"):
        print(f"{name}_throughput_x: "
              f"{modes[name]['trainer_tokens_per_s'] / sync['trainer_tokens_per_s']:.2f}")
    print(f"sync_s_per_update: {sync['s_per_update']:.2f}")
    print(f"async_k2_s_per_update: {modes['async_k2']['s_per_update']:.2f}")


if __name__ == "__main__":
    main()
