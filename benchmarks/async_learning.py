"""Does async training still learn? Sync vs async at max_staleness 1 and 2, same seeds, on
toy/fork (a cheap LLM run) and on the quickstart recipe (TextWorld).

Run: ``python benchmarks/async_learning.py [--envs fork textworld] [--seeds 3]``.

Each (env, mode, seed) trains the env's recipe with ``trainer.mode`` sync (the recipe as
shipped), or async with ``algorithm.rollout_correction: decoupled``, and evaluates greedily
on the held-out split after the last update. Both envs use the embedded SmolLM2-135M with
LoRA:

- ``fork``: ``recipes/credit/fork-grpo.yaml`` made cheap (corridor 1, 7 turns, an 8-step SFT
  warm start on the expert, 5 updates of 2 tasks x 4 episodes, 16 held-out worlds);
- ``textworld``: ``recipes/textworld-grpo.yaml`` as of commit e9e8a06 (8 training games,
  SFT warm start, 8 updates, no KL, no dynamic sampling: pinned by overrides), its held-out
  split widened to 16 games.

Reported per (env, mode): the training success per iteration (the learning curve, at the
recipe's temperature, averaged over seeds), its mean (AUC), held-out success pooled over seeds
with a 95 % Wilson interval, whether it lies in the synchronous run's interval, the paired
(seed by seed) difference to sync of held-out success and of AUC with a 95 % t-interval, and
wall time. A finished run (``eval.json`` present) is reused; the result file is rewritten
after every run, with the command, the date and the load average. Runs go one at a time;
while the file named by ``--pause-file`` exists no new run starts (room for other jobs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from agentrl.eval.metrics import wilson_interval
from agentrl.lab.stats import paired
from agentrl.run.loop import train

RECIPES = Path(__file__).resolve().parents[1] / "recipes"
ENVS = {
    "fork": (RECIPES / "credit" / "fork-grpo.yaml", [
        "env.kwargs={max_turns: 7, corridor: 1, dead_end_depth: 1, hint: true}",
        "trainer.iterations=5", "trainer.checkpoint_every=5", "trainer.tasks_per_iteration=2",
        "eval.num_tasks=16", "rollout.sampling.max_new_tokens=6",
        "warm_start={steps: 8, lr: 1.0e-3, batch_size: 4, tasks: 4}"]),
    # the quickstart recipe as of e9e8a06 (8 games, bf16 autocast, no KL, no dynamic
    # sampling), pinned: the shipped recipe moved on while the runs were going
    "textworld": (RECIPES / "textworld-grpo.yaml", [
        "trainer.iterations=8", "trainer.checkpoint_every=8",
        "env.kwargs.tasks_per_split.train=8", "env.kwargs.tasks_per_split.heldout=16",
        "policy.dtype=auto", "algorithm.kl_coef=0.0", "rollout.dynamic_sampling.enabled=false",
        "eval.num_tasks=16"]),
}
MODES = {
    "sync": [],
    "async k=1": ["trainer.mode=async", "trainer.max_staleness=1",
                  "algorithm.rollout_correction=decoupled"],
    "async k=2": ["trainer.mode=async", "trainer.max_staleness=2",
                  "algorithm.rollout_correction=decoupled"],
}


def run_one(run_dir: Path, env: str, mode: str, seed: int, pause: Path) -> dict:
    """Train one (env, mode, seed) unless finished; its curve, held-out result, wall time."""
    name = f"{env}-{mode.replace(' ', '').replace('=', '')}-seed{seed}"
    folder = run_dir / name
    if not (folder / "eval.json").exists():
        while pause.exists():
            time.sleep(5)
        recipe, overrides = ENVS[env]
        started = time.monotonic()
        train(recipe, [f"name={name}", f"seed={seed}", f"logging.run_dir={run_dir}",
                       "logging.progress=false", "logging.tensorboard=false", *overrides,
                       *MODES[mode]])
        (folder / "wall_s.txt").write_text(f"{time.monotonic() - started:.1f}")
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()]
    result = json.loads((folder / "eval.json").read_text())
    curve = [row["rollout/success"] for row in rows if "rollout/success" in row]
    return {"seed": seed, "curve": curve, "auc": sum(curve) / max(1, len(curve)),
            "successes": int(result["successes"]), "episodes": int(result["episodes"]),
            "wall_s": float((folder / "wall_s.txt").read_text())}


def _pooled(runs: list[dict]) -> tuple[int, int, float, float]:
    wins, trials = sum(r["successes"] for r in runs), sum(r["episodes"] for r in runs)
    return (wins, trials, *wilson_interval(wins, trials))


def _paired_cell(runs: list[dict], sync: list[dict], key: str) -> str:
    """Mean paired difference to sync over the seeds both have, with its 95 % t-interval."""
    base = {r["seed"]: r for r in sync}
    value = (lambda r: r["successes"] / r["episodes"]) if key == "heldout" else \
        (lambda r: r["auc"])
    diffs = [value(r) - value(base[r["seed"]]) for r in runs if r["seed"] in base]
    if len(diffs) < 2:
        return "–"
    d = paired(diffs)
    return f"{d.mean:+.3f} [{d.low:+.3f}, {d.high:+.3f}]"


def env_table(env: str, results: dict[str, list[dict]]) -> list[str]:
    """One env's table rows."""
    lines = [f"### {env}", "", "| mode | seeds | held-out success [95% Wilson] | in sync's "
             "interval | Δ held-out vs sync (paired) | training success per iteration "
             "(mean over seeds) | AUC | Δ AUC vs sync (paired) | wall min / run |",
             "|---|---|---|---|---|---|---|---|---|"]
    sync = results.get("sync", [])
    for mode, runs in results.items():
        if not runs:
            continue
        wins, trials, low, high = _pooled(runs)
        inside = "–"
        if mode != "sync" and sync:
            _, _, sync_low, sync_high = _pooled(sync)
            inside = "yes" if sync_low <= wins / trials <= sync_high else "**no**"
        curve = [sum(c) / len(c) for c in zip(*(r["curve"] for r in runs), strict=False)]
        auc = sum(r["auc"] for r in runs) / len(runs)
        same = mode == "sync"
        lines.append(
            f"| {mode} | {len(runs)} | {wins / trials:.3f} [{low:.3f}, {high:.3f}] "
            f"({wins}/{trials}) | {inside} | "
            f"{'–' if same else _paired_cell(runs, sync, 'heldout')} | "
            f"{' '.join(f'{s:.2f}' for s in curve)} | {auc:.3f} | "
            f"{'–' if same else _paired_cell(runs, sync, 'auc')} | "
            f"{sum(r['wall_s'] for r in runs) / len(runs) / 60:.1f} |")
    return [*lines, ""]


def report(results: dict[str, dict[str, list[dict]]], command: str,
           loads: tuple[float, float]) -> str:
    """The result file's text."""
    lines = ["# Async learning: sync vs async (k = 1, 2)", "",
             f"Command: `{command}`, {time.strftime('%Y-%m-%d %H:%M')}; load average "
             f"{loads[0]:.2f} at the start, {loads[1]:.2f} now ({os.cpu_count()} CPUs, "
             "shared); one run at a time, one torch thread, nice 10.", ""]
    for env, modes in results.items():
        lines += env_table(env, modes)
    return "\n".join(lines)


def main() -> None:
    """Run every (env, seed, mode), rewriting the result file after each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/agentrl-async-learning"))
    parser.add_argument("--pause-file", type=Path, default=Path("/tmp/agentrl-async-pause"))
    parser.add_argument("--results", type=Path,
                        default=Path(__file__).parent / "results" / "async-learning.md")
    args = parser.parse_args()
    command = "python benchmarks/async_learning.py " + " ".join(sys.argv[1:])
    start_load = os.getloadavg()[0]
    results = {env: {mode: [] for mode in MODES} for env in args.envs}
    for seed in range(args.seeds):  # seed-major: every env gets its seeds in turn
        for env in args.envs:
            for mode in MODES:
                results[env][mode].append(run_one(args.run_dir, env, mode, seed,
                                                  args.pause_file))
                args.results.write_text(report(results, command,
                                               (start_load, os.getloadavg()[0])))
    for env, modes in results.items():
        for mode, runs in modes.items():
            wins, trials, _, _ = _pooled(runs)
            print(f"{env}_{mode.replace(' ', '_').replace('=', '')}_heldout_success: "
                  f"{wins / trials:.3f}")


if __name__ == "__main__":
    main()
