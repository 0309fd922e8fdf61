"""Credit-assignment learning benchmark: paired seeds on the credit lab (toy/fork), its chain
control (toy/chain) and optionally TextWorld, with placebo GiGPO and equal step sizes.

For every (env, seed) each method trains the same uniform tabular softmax policy
(`agentrl.policy.tabular`) with the same task order and sampler / env seeds
(`agentrl.lab.learning.train_tabular`); advantages are whitened (per-batch RMS) for all
methods, dynamic sampling is on for all. Reported per method, as the paired difference to
GRPO over seeds (mean, 95 % t-interval, exact sign test): held-out success after the last
update (sampled episodes), area under the training-success curve (AUC, mean over
updates), and updates to reach a training success threshold. The policy is tabular, not an
LLM: this measures the estimators' credit on these worlds, at many seeds, on a CPU.

    python benchmarks/learning_credit.py [--envs fork chain] [--seeds 8] [--updates 12]
        [--methods grpo gigpo gigpo-placebo salt] [--lr 10] [--threshold 0.5]
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ENVS = {
    "fork": ("toy/fork", {"max_turns": 10}),
    "chain": ("toy/chain", {"max_turns": 10}),
    # 30 turns, not 10: the uniform policy's success on medium (8 train tasks x 16
    # episodes) was 3 % at 10 turns, 6 % at 20, 10 % at 30, 16 % at 40; 30 gives mixed
    # groups at ~70 s per 10-update run here.
    "textworld": ("textworld", {"difficulty": "medium", "max_turns": 30,
                                "tasks_per_split": {"train": 8, "valid": 2, "heldout": 8}}),
}


def fmt(summary: dict) -> str:
    return (f"{summary['mean']:+.3f} [{summary['low']:+.3f}, {summary['high']:+.3f}] "
            f"({summary['wins']}/{summary['losses']}, p={summary['p_sign']:.2f})")


def paired_cells(runs: list, baseline: list) -> tuple[str, str]:
    """Δ held-out and Δ AUC of ``runs`` against ``baseline``, paired by seed (`fmt` cells)."""
    from agentrl.lab.learning import paired_summary

    twin = {r.seed: r for r in baseline}
    paired = [r for r in runs if r.seed in twin]
    return (fmt(paired_summary([r.heldout - twin[r.seed].heldout for r in paired])),
            fmt(paired_summary([r.auc - twin[r.seed].auc for r in paired])))


def table(env: str, results: dict, args: argparse.Namespace, minutes: dict) -> str:
    """Markdown: per method the means and the paired differences to GRPO; then each method
    with a placebo (``gigpo`` and ``gigpo-placebo``) against it, paired by seed."""
    lines = [f"### {env}", "",
             "| method | seeds | held-out success | AUC | updates to "
             f"{args.threshold:g} (median; reached) | Δ held-out vs GRPO | Δ AUC vs GRPO "
             "| min/run |", "|---|---|---|---|---|---|---|---|"]
    for method, runs in results.items():
        n = len(runs)
        held = sum(r.heldout for r in runs) / n
        auc = sum(r.auc for r in runs) / n
        reached = sorted(u for r in runs if (u := r.updates_to(args.threshold)) is not None)
        median = reached[len(reached) // 2] if reached else "-"
        d_held, d_auc = (("–", "–") if method == "grpo"
                         else paired_cells(runs, results["grpo"]))
        lines.append(f"| {method} | {n} | {held:.3f} | {auc:.3f} | {median}; "
                     f"{len(reached)}/{n} | {d_held} | {d_auc} | {minutes[method]:.2f} |")
    for method, runs in results.items():  # the decisive control: the same method, no states
        if (placebo := results.get(f"{method}-placebo")) is not None:
            d_held, d_auc = paired_cells(runs, placebo)
            lines += ["", f"{method} − {method}-placebo, paired by seed: Δ held-out {d_held}, "
                      f"Δ AUC {d_auc}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=["fork", "chain"], choices=list(ENVS))
    parser.add_argument("--methods", nargs="+",
                        default=["grpo", "gigpo", "gigpo-placebo", "salt"])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--updates", type=int, default=12)
    parser.add_argument("--tasks", type=int, default=4, help="Groups per update.")
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=10.0)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--no-dynamic-sampling", action="store_true")
    parser.add_argument("--results", type=Path, default=RESULTS / "learning-credit.md")
    args = parser.parse_args()
    if args.methods[0] != "grpo":
        parser.error("the first method must be grpo (the paired baseline)")
    from agentrl.lab.learning import LearningSetup, train_tabular

    command = "python benchmarks/learning_credit.py " + shlex.join(sys.argv[1:])
    header = (f"Paired learning comparison, tabular softmax policy (uniform start), "
              f"{args.seeds} seeds, {args.updates} updates × {args.tasks} groups × "
              f"{args.group_size}, lr {args.lr:g}, advantage whitening on for all, dynamic "
              f"sampling {'off' if args.no_dynamic_sampling else 'on (max 10 rounds)'}; "
              f"held-out: the first 16 held-out tasks (all, if fewer) × 4 sampled episodes after "
              f"the last update. "
              f"Δ: mean paired difference to GRPO [95% t-CI] (seeds better/worse, exact "
              f"sign-test p). Shared 2-core CPU; min/run is wall time, noisy.\n\n"
              f"Command: `{command}`\n")
    setups = {env: LearningSetup(env_id=ENVS[env][0], env_kwargs=ENVS[env][1],
                                 updates=args.updates, tasks_per_update=args.tasks,
                                 group_size=args.group_size, lr=args.lr,
                                 dynamic_sampling=not args.no_dynamic_sampling)
              for env in args.envs}
    results = {env: {m: [] for m in args.methods} for env in args.envs}
    spent = {env: {m: 0.0 for m in args.methods} for env in args.envs}
    sections: list[str] = []
    for seed in range(args.seeds):  # seed-major: a cut-short run still covers every env
        for env in args.envs:
            for method in args.methods:
                started = time.monotonic()
                run = train_tabular(setups[env], method, seed)
                results[env][method].append(run)
                spent[env][method] += (time.monotonic() - started) / 60
                print(f"[{env} {method} seed {seed}] held-out {run.heldout:.3f} "
                      f"auc {run.auc:.3f}", flush=True)
        sections = [table(env, results[env], args,
                          {m: spent[env][m] / (seed + 1) for m in args.methods})
                    for env in args.envs]
        args.results.write_text(header + f"\nSeeds finished: {seed + 1}.\n\n"
                                + "\n".join(sections))
        raw = {env: {m: [r.__dict__ for r in runs] for m, runs in results[env].items()}
               for env in args.envs}
        args.results.with_suffix(".json").write_text(json.dumps(raw, indent=1))
    headline = [f"{env}_heldout_{m}: {sum(r.heldout for r in runs) / len(runs):.3f}"
                for env in args.envs for m, runs in results[env].items()]
    print("\n".join(sections))
    print("\n".join(headline))


if __name__ == "__main__":
    main()
