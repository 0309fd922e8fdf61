"""Sandbox latency per backend (start, exec, reset) and episodes/s with and without a pool.

Run: ``python benchmarks/sandbox_latency.py [--backends bwrap,docker,local] [--repeats N]``.
An "episode" here is what the SWE env does around the agent: get a sandbox, upload a small
repository, run a few commands, then release it (pool: reset and keep; no pool: close).
The docker backend is measured only where an engine answers (scripts/start_dockerd.sh).
Headline figures come last as ``metric: value`` lines; compare ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from agentrl.environments.swe.repo import project_files, write_tree
from agentrl.sandbox import Sandbox, SandboxError, SandboxPool, create

EPISODE_COMMANDS = (
    "ls -R",
    "python3 -c 'import statkit; print(statkit.mean([1, 2]))'",
    "cat statkit/center.py",
)
ROUNDS = 3  # pooled and fresh runs alternate, median kept: the machine's load drifts


def _ms(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def latencies(backend: str, repeats: int) -> dict[str, float]:
    """Median start, exec (``true``), reset and close times in ms."""
    starts, closes = [], []
    for _ in range(max(3, repeats // 4)):
        t0 = time.perf_counter()
        box = create(backend)
        t1 = time.perf_counter()
        box.close()
        starts.append(t1 - t0)
        closes.append(time.perf_counter() - t1)
    with create(backend) as box:
        exec_ms = _ms(lambda: box.exec("true"), repeats)
        reset_ms = _ms(box.reset, repeats)
    return {
        "start_ms": statistics.median(starts) * 1000,
        "exec_ms": exec_ms,
        "reset_ms": reset_ms,
        "close_ms": statistics.median(closes) * 1000,
    }


def _episode(box: Sandbox, repo: Path) -> None:
    box.upload(repo)
    for command in EPISODE_COMMANDS:
        if box.exec(command).exit_code != 0:
            raise RuntimeError(f"episode command failed: {command}")


def episodes_per_s(backend: str, repo: Path, episodes: int, pooled: bool) -> float:
    """Episodes per second, run one after another, with a warm pool or a fresh sandbox each."""
    start = time.perf_counter()
    if pooled:
        with SandboxPool(backend, size=1) as pool:
            for _ in range(episodes):
                with pool.sandbox() as box:
                    _episode(box, repo)
    else:
        for _ in range(episodes):
            with create(backend) as box:
                _episode(box, repo)
    return episodes / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="bwrap,docker,local")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--episodes", type=int, default=6)
    args = parser.parse_args()
    warnings.simplefilter("ignore", RuntimeWarning)  # the local backend's warning
    logging.getLogger("agentrl.sandbox").setLevel(logging.ERROR)
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as folder:
        repo = Path(folder)
        write_tree(project_files("statkit"), repo)
        for backend in args.backends.split(","):
            try:
                row = latencies(backend, args.repeats)
            except SandboxError as error:
                print(f"skipping {backend}: {error}")
                continue
            runs = {True: [], False: []}
            for _ in range(ROUNDS):
                for pooled in (True, False):
                    runs[pooled].append(episodes_per_s(backend, repo, args.episodes, pooled))
            row["episodes_per_s_pool"] = statistics.median(runs[True])
            row["episodes_per_s_fresh"] = statistics.median(runs[False])
            results[backend] = row
    print(f"{'backend':8} " + " ".join(f"{key:>21}" for key in next(iter(results.values()))))
    for backend, row in results.items():
        print(f"{backend:8} " + " ".join(f"{value:21.2f}" for value in row.values()))
    for backend, row in results.items():
        for key, value in row.items():
            print(f"{backend}_{key}: {value:.2f}")
        speedup = row["episodes_per_s_pool"] / row["episodes_per_s_fresh"]
        print(f"{backend}_pool_speedup: {speedup:.2f}")
    if "bwrap" in results and "docker" in results:
        for key in ("start_ms", "exec_ms"):
            ratio = results["docker"][key] / results["bwrap"][key]
            print(f"docker_over_bwrap_{key.removesuffix('_ms')}_ratio: {ratio:.2f}")


if __name__ == "__main__":
    main()
