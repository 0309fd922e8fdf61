"""Credit-assignment learning benchmark, made fair: paired seeds on drawn toy/fork worlds (and
the toy/chain control), each method at its best learning rate from a grid, curves of the
policy's exact success, paired differences with one primary contrast and Holm for the rest.

Protocol (`agentrl.lab.learning.train_tabular`):
- Policy: tabular softmax from uniform, **Markov prompts** (current observation only, no
  omitted-turns count: a policy over env states).
- Worlds: ``worlds='drawn'`` (corridor 1–3, dead end 1–3 deep, themes, name rotations);
  training on the first ``--worlds`` train worlds; held-out worlds are disjoint, but a
  held-out world can share room descriptions with a training world (same theme and
  rotation, another corridor or dead end), and there the tabular policy's rows carry over:
  its held-out success measures that overlap, not generalisation.
- Curve: the policy's **exact** success probability (DP) on the training worlds at update 0
  and after every update, never the dynamic-sampled batch's; AUC = its mean over points.
- Learning rate: every method is run at each rate of ``--lr-grid`` on ``--tune-seeds``
  tuning seeds (disjoint from the evaluation seeds); the rate with the best mean AUC is
  kept for that method, and the grid's AUCs are reported.
- Equal step sizes otherwise: per-batch advantage whitening for all; dynamic sampling for all.
- Statistics: per contrast the mean paired difference over evaluation seeds, its 95 %
  t-interval and the exact sign-flip p. **Primary contrast** (declared before running):
  GiGPO − GRPO, AUC, on the fork. Every other contrast in the table is Holm-corrected.

Writes ``benchmarks/results/credit-learning.md`` (+ ``.json``); seeded, so the command
printed in the file reproduces it.

    python benchmarks/learning_credit.py [--envs fork chain] [--seeds 6] [--updates 10]
        [--lr-grid 3 10 30] [--tune-seeds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ENVS = {"fork": "toy/fork", "chain": "toy/chain"}
PRIMARY = "fork: gigpo − grpo (AUC)"


def setup_for(env: str, args: argparse.Namespace, lr: float):
    """The shared `LearningSetup` of ``env`` at learning rate ``lr``."""
    from agentrl.lab.learning import LearningSetup

    return LearningSetup(env_id=ENVS[env], env_kwargs={
        "max_turns": 10, "worlds": "drawn", "tasks_per_split": args.worlds},
        updates=args.updates, tasks_per_update=args.tasks, group_size=args.group_size,
        lr=lr, dynamic_sampling=True, eval_tasks=args.worlds)


def tune(env: str, method: str, args: argparse.Namespace) -> tuple[float, dict[float, float]]:
    """(best rate, mean AUC per rate) over the tuning seeds."""
    from agentrl.lab.learning import train_tabular

    grid = {}
    for lr in args.lr_grid:
        runs = [train_tabular(setup_for(env, args, lr), method, 1_000 + s)
                for s in range(args.tune_seeds)]
        grid[lr] = sum(r.auc for r in runs) / len(runs)
        print(f"[tune {env} {method} lr {lr:g}] auc {grid[lr]:.3f}", flush=True)
    return max(grid, key=grid.get), grid


def contrasts(env: str, runs: dict[str, list]) -> dict:
    """Paired differences (AUC and final success) vs GRPO, and GiGPO vs its placebo."""
    from agentrl.lab.stats import paired

    pairs = [(m, "grpo") for m in runs if m != "grpo"]
    if "gigpo" in runs and "gigpo-placebo" in runs:
        pairs.append(("gigpo", "gigpo-placebo"))
    out = {}
    for a, b in pairs:
        twin = {r.seed: r for r in runs[b]}
        for metric in ("auc", "final"):
            out[f"{env}: {a} − {b} ({metric.upper() if metric == 'auc' else metric})"] = \
                paired([getattr(r, metric) - getattr(twin[r.seed], metric) for r in runs[a]])
    return out


def method_rows(env: str, runs: dict[str, list], best: dict, grids: dict) -> list[str]:
    """Per method: the rate kept, the grid, mean AUC / final / held-out / batch success."""
    lines = [f"### {env}", "", "| method | lr (grid: mean AUC on tuning seeds) | seeds | "
             "AUC | final success | held-out success | first batch success |",
             "|---|---|---|---|---|---|---|"]
    for method, rs in runs.items():
        n = len(rs)
        grid = ", ".join(f"{lr:g}: {auc:.3f}" for lr, auc in grids[method].items())
        lines.append(
            f"| {method} | **{best[method]:g}** ({grid}) | {n} | "
            f"{sum(r.auc for r in rs) / n:.3f} | {sum(r.final for r in rs) / n:.3f} | "
            f"{sum(r.heldout for r in rs) / n:.3f} | "
            f"{sum(r.batch_curve[0] for r in rs) / n:.3f} |")
    start = runs[next(iter(runs))][0].curve[0]
    return lines + ["", f"Exact success of the uniform start on these worlds: {start:.4f}.", ""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=["fork", "chain"], choices=list(ENVS))
    parser.add_argument("--methods", nargs="+",
                        default=["grpo", "gigpo", "gigpo-placebo", "salt"])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--tune-seeds", type=int, default=2)
    parser.add_argument("--lr-grid", type=float, nargs="+", default=[3.0, 10.0, 30.0])
    parser.add_argument("--updates", type=int, default=10)
    parser.add_argument("--tasks", type=int, default=4, help="Groups per update.")
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--worlds", type=int, default=8, help="Training (= eval) worlds.")
    parser.add_argument("--results", type=Path, default=RESULTS / "credit-learning.md")
    args = parser.parse_args()
    if args.methods[0] != "grpo":
        parser.error("the first method must be grpo (the paired baseline)")
    from agentrl.lab.learning import train_tabular
    from agentrl.lab.stats import correct

    command = "python benchmarks/learning_credit.py " + shlex.join(sys.argv[1:])
    started, load = time.monotonic(), os.getloadavg()
    sections, family, raw = [], {}, {}
    for env in args.envs:
        tuned = {m: tune(env, m, args) for m in args.methods}
        best = {m: lr for m, (lr, _) in tuned.items()}
        runs = {m: [train_tabular(setup_for(env, args, best[m]), m, seed)
                    for seed in range(args.seeds)] for m in args.methods}
        sections += method_rows(env, runs, best, {m: g for m, (_, g) in tuned.items()})
        family |= contrasts(env, runs)
        raw[env] = {m: [r.__dict__ for r in rs] for m, rs in runs.items()}
    if PRIMARY in family:
        correct(family, PRIMARY)
    lines = [
        "# Credit assignment, learning: paired tabular runs (exact success curves)", "",
        f"Command: `{command}`", "",
        f"Generated by `benchmarks/learning_credit.py` in {time.monotonic() - started:.0f} s; "
        f"load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} (shared 2-core "
        "machine; the numbers are seeded and do not depend on it).", "",
        __doc__.split("\n\n")[1], "",
        f"{args.seeds} evaluation seeds, {args.updates} updates × {args.tasks} groups × "
        f"{args.group_size}, {args.worlds} training worlds, lr grid "
        f"{', '.join(f'{x:g}' for x in args.lr_grid)} on {args.tune_seeds} tuning seeds.", "",
        "## Paired differences (mean [95% t-CI], exact sign-flip p)", ""]
    if PRIMARY in family:
        lines += [f"Primary (uncorrected): **{PRIMARY}** = {family[PRIMARY].cell()}.", ""]
    lines += ["| contrast | Δ [95% CI] p (Holm) |", "|---|---|",
              *[f"| {n} | {d.cell()} |" for n, d in family.items() if n != PRIMARY],
              "", "## Per method", "", *sections]
    args.results.write_text("\n".join(lines) + "\n")
    args.results.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    print("\n".join(f"{n}: {d.mean:+.4f}" for n, d in family.items()))


if __name__ == "__main__":
    main()
