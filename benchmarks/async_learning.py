"""Does async training still learn? Sync vs async at max_staleness 1 and 2 on the quickstart
recipe (TextWorld, embedded SmolLM2-135M, LoRA, SFT warm start), same seeds.

Run: ``python benchmarks/async_learning.py [--seeds 1] [--iterations 8] [--heldout 16]``.

Each (mode, seed) trains ``recipes/textworld-grpo.yaml`` with ``trainer.mode`` sync (the
recipe as shipped), or async with ``algorithm.rollout_correction: decoupled``; the held-out
split is widened to ``--heldout`` games, evaluated greedily after the last update. Reported
per mode: the training success per iteration (the learning curve, sampled at the recipe's
temperature, averaged over seeds), held-out success pooled over seeds with a 95 % Wilson
interval, and wall time. A finished run (``eval.json`` present) is reused; the result file is
rewritten after every run, with the command, the date and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from agentrl.eval.metrics import wilson_interval
from agentrl.run.loop import train

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "textworld-grpo.yaml"
MODES = {
    "sync": [],
    "async k=1": ["trainer.mode=async", "trainer.max_staleness=1",
                  "algorithm.rollout_correction=decoupled"],
    "async k=2": ["trainer.mode=async", "trainer.max_staleness=2",
                  "algorithm.rollout_correction=decoupled"],
}


def run_one(run_dir: Path, mode: str, seed: int, args: argparse.Namespace) -> dict:
    """Train one (mode, seed) unless finished; its curve, held-out result and wall time."""
    name = f"{mode.replace(' ', '').replace('=', '')}-seed{seed}"
    folder = run_dir / name
    if not (folder / "eval.json").exists():
        started = time.monotonic()
        train(RECIPE, [f"name={name}", f"seed={seed}", f"logging.run_dir={run_dir}",
                       "logging.progress=false", "logging.tensorboard=false",
                       f"trainer.iterations={args.iterations}",
                       f"trainer.checkpoint_every={args.iterations}",
                       f"env.kwargs.tasks_per_split.heldout={args.heldout}",
                       f"eval.num_tasks={args.heldout}", *MODES[mode]])
        (folder / "wall_s.txt").write_text(f"{time.monotonic() - started:.1f}")
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    result = json.loads((folder / "eval.json").read_text())
    return {"curve": [row["rollout/success"] for row in rows if "rollout/success" in row],
            "successes": int(result["successes"]),
            "episodes": result["episodes"], "wall_s": float((folder / "wall_s.txt").read_text())}


def table(results: dict[str, list[dict]], command: str, loads: tuple[float, float]) -> str:
    """The result file's text."""
    lines = ["# Async learning: sync vs async (k = 1, 2) on the quickstart recipe", "",
             f"Command: `{command}`, {time.strftime('%Y-%m-%d')}; load average "
             f"{loads[0]:.2f} at the start, {loads[1]:.2f} now ({os.cpu_count()} CPUs, shared).",
             "", "| mode | seeds | held-out success [95% Wilson] | training success per "
             "iteration (mean over seeds) | wall min / run |", "|---|---|---|---|---|"]
    for mode, runs in results.items():
        if not runs:
            continue
        wins, trials = sum(r["successes"] for r in runs), sum(r["episodes"] for r in runs)
        low, high = wilson_interval(wins, trials)
        curve = [sum(c) / len(c) for c in zip(*(r["curve"] for r in runs), strict=False)]
        lines.append(f"| {mode} | {len(runs)} | {wins / trials:.3f} [{low:.3f}, {high:.3f}] "
                     f"({wins}/{trials}) | {' '.join(f'{s:.2f}' for s in curve)} | "
                     f"{sum(r['wall_s'] for r in runs) / len(runs) / 60:.1f} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run every (mode, seed), rewriting the result file after each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1)
    parser.add_argument("--iterations", type=int, default=8)
    parser.add_argument("--heldout", type=int, default=16)
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/agentrl-async-learning"))
    parser.add_argument("--results", type=Path,
                        default=Path(__file__).parent / "results" / "async-learning.md")
    args = parser.parse_args()
    command = "python benchmarks/async_learning.py " + " ".join(sys.argv[1:])
    start_load = os.getloadavg()[0]
    results: dict[str, list[dict]] = {mode: [] for mode in MODES}
    for seed in range(args.seeds):
        for mode in MODES:
            results[mode].append(run_one(args.run_dir, mode, seed, args))
            args.results.write_text(table(results, command, (start_load, os.getloadavg()[0])))
    for mode, runs in results.items():
        wins, trials = sum(r["successes"] for r in runs), sum(r["episodes"] for r in runs)
        print(f"{mode.replace(' ', '_').replace('=', '')}_heldout_success: {wins / trials:.3f}")


if __name__ == "__main__":
    main()
