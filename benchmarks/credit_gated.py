"""Gated vs ungated reward accumulation (G-RA, Sun et al. 2025, arXiv 2508.10548) against
outcome-only, in paired tabular learning runs with a misaligned dense reward.

The smallest honest version of the paper's SWE comparison, on toy/fork (drawn train
worlds, Markov prompts, the tabular softmax policy, `agentrl.lab.learning.train_tabular`)
instead of SWE with an LLM: a dense low-level reward of ``--bonus`` for every ``look``
turn — busy-work that never moves the agent toward the goal, the way the paper's dense SWE
rewards can be farmed without solving the issue — beside the outcome r^high (1 on success).
Arms, all with the GRPO estimator on the episode return the shaping writes
(`agentrl.rewards.gated`, ``into: outcome``):

- ``outcome``: R = r^high (the dense reward is ignored);
- ``ungated`` (D-RA): R = r^high + Σ_t r^low_t;
- ``gated`` (G-RA, Δ = 1): R = r^high + Σ_t r^low_t only when r^high ≥ Δ (success).

Curve: the policy's exact success probability (DP) on the training worlds at update 0 and
after every update; AUC = its mean. Learning rate ``--lr`` for every arm (30, the best of
the 10 / 30 / 100 grid for GRPO in ``credit-learning.md``; not re-tuned per arm), whitening
for all, no dynamic sampling (it resamples on the raw outcome, which would hide the dense
reward of failed groups, the channel D-RA opens). The batches' fraction of ``look`` turns
shows the farming.
Statistics: paired differences over seeds (t-interval, exact sign-flip p). **Primary
contrast**, declared before running: final success, gated − ungated (the paper: dense
accumulation collapses, gating prevents it); the rest are Holm-corrected.

    python benchmarks/credit_gated.py [--seeds 6] [--updates 8] [--bonus 0.1] [--lr 30]
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
ARMS = ("outcome", "ungated", "gated")
PRIMARY = "gated − ungated (final)"


def shaper(arm: str, bonus: float, looks: list[float]):
    """The batch rewrite of ``arm``: the dense look reward on each turn, then the shaping;
    appends each batch's look fraction to ``looks``."""
    from agentrl.credit.registry import get_shaping

    def shape(batch):
        batch = [t.model_copy(deep=True) for t in batch]
        turns = [turn for t in batch for turn in t.turns]
        looks.append(sum(turn.action == "look" for turn in turns) / max(1, len(turns)))
        for turn in turns:
            turn.reward = bonus if turn.action == "look" else 0.0
        if arm == "outcome":
            for turn in turns:
                turn.reward = 0.0
            return batch
        options = {"threshold": 1.0} if arm == "gated" else {}
        return get_shaping(arm)(batch, **options)
    return shape


def run_arm(arm: str, seed: int, args: argparse.Namespace):
    """One paired run; (its result, the look fraction of its batches)."""
    from agentrl.lab.learning import LearningSetup, train_tabular

    setup = LearningSetup(env_id="toy/fork", env_kwargs={
        "max_turns": 10, "worlds": "drawn", "tasks_per_split": args.worlds},
        updates=args.updates, tasks_per_update=args.tasks, group_size=args.group_size,
        lr=args.lr, dynamic_sampling=False, eval_tasks=args.worlds)
    looks: list[float] = []
    result = train_tabular(setup, "grpo", seed, shape=shaper(arm, args.bonus, looks))
    return result, looks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=6)
    parser.add_argument("--updates", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--worlds", type=int, default=8)
    parser.add_argument("--bonus", type=float, default=0.1)
    parser.add_argument("--lr", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=RESULTS / "credit-gated.md")
    args = parser.parse_args()
    from agentrl.lab.stats import correct, paired, write_contrasts

    command = "python benchmarks/credit_gated.py " + shlex.join(sys.argv[1:])
    started, load = time.monotonic(), os.getloadavg()
    runs = {arm: [run_arm(arm, seed, args) for seed in range(args.seeds)] for arm in ARMS}
    family = {}
    for a, b in (("gated", "ungated"), ("gated", "outcome"), ("ungated", "outcome")):
        for metric in ("final", "auc"):
            family[f"{a} − {b} ({metric if metric == 'final' else 'AUC'})"] = paired(
                [getattr(x[0], metric) - getattr(y[0], metric)
                 for x, y in zip(runs[a], runs[b], strict=True)])
    correct(family, PRIMARY)
    rows = ["| arm | seeds | AUC | final success | per-seed final | look fraction, first → "
            "last batch |", "|---|---|---|---|---|---|"]
    for arm, results in runs.items():
        n = len(results)
        rows.append(
            f"| {arm} | {n} | {sum(r.auc for r, _ in results) / n:.3f} | "
            f"{sum(r.final for r, _ in results) / n:.3f} | "
            + ", ".join(f"{r.final:.2f}" for r, _ in results) + " | "
            f"{sum(lk[0] for _, lk in results) / n:.2f} → "
            f"{sum(lk[-1] for _, lk in results) / n:.2f} |")
    curves = ["| arm | " + " | ".join(str(i) for i in range(args.updates + 1)) + " |",
              "|---|" + "---|" * (args.updates + 1)]
    for arm, results in runs.items():
        mean = [sum(r.curve[i] for r, _ in results) / len(results)
                for i in range(args.updates + 1)]
        curves.append(f"| {arm} | " + " | ".join(f"{v:.3f}" for v in mean) + " |")
    end = os.getloadavg()
    doc = __doc__.split("\n\n")
    out = ["# Gated vs ungated reward accumulation (tabular, toy/fork, dense look reward)", "",
           f"Command: `{command}`", "",
           f"Generated by `benchmarks/credit_gated.py` on {time.strftime('%Y-%m-%d')} in "
           f"{time.monotonic() - started:.0f} s; load average {load[0]:.2f} / {load[1]:.2f} / "
           f"{load[2]:.2f} at start, {end[0]:.2f} at the end, shared 2-core CPU (timings "
           "only; seeded).", "", *doc[1:4], "",
           f"{args.seeds} paired seeds, {args.updates} updates × {args.tasks} groups × "
           f"{args.group_size}, {args.worlds} drawn training worlds, bonus {args.bonus:g} per "
           f"look, lr {args.lr:g}.", "",
           "## Paired differences (mean [95% t-CI], exact sign-flip p)", "",
           f"Primary (uncorrected): **{PRIMARY}** = {family[PRIMARY].cell()}.", "",
           "| contrast | Δ [95% CI] p (Holm) |", "|---|---|",
           *[f"| {k} | {d.cell()} |" for k, d in family.items() if k != PRIMARY], "",
           "## Per arm", "", *rows, "", "## Mean exact success curve (updates 0 …)", "",
           *curves, ""]
    args.out.write_text("\n".join(out) + "\n")
    write_contrasts(args.out, command, PRIMARY, family)
    print("\n".join(out))


if __name__ == "__main__":
    main()
