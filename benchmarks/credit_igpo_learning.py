"""IGPO against GRPO in paired tabular learning runs on a small search-QA world.

The world (`agentrl.lab.igpo_learning`): search-QA's 1-hop questions, each task's replies cut
to a menu of six (its own search / open / answer and another task's: an off-chain search
and open, a wrong answer; `agentrl.lab.menu`), 4 turns. The policy: tabular softmax from
uniform, Markov prompts (`agentrl.lab.learning.train_tabular`). **Not an LLM policy**: an
LLM run on search-QA per arm and seed is beyond this CPU; a tabular policy cannot carry
what it learns from one question to another, so its held-out success stays at the uniform
policy's and the curve that can move is the exact success on the fixed training tasks.

Arms (each at its best learning rate of ``--lr-grid`` on tuning seeds disjoint from the
evaluation seeds; whitening for all; no dynamic sampling):
- ``grpo``: GRPO on the outcome (exact match);
- ``igpo``: IGPO's turn rewards with p_k the acting policy's own probability of the
  ground-truth answer given that it answers (IGPO's definition, π_θ = the tabular policy),
  the outcome on the last turn, the ``igpo`` estimator (paper form);
- ``igpo-llm``: the same with p_k read by the frozen embedded SmolLM2-135M after the full
  interaction and an ``<answer>`` prefix — a named deviation (the scorer is not the policy).

Curves: the policy's exact success (DP) on the fixed training tasks and on fixed held-out
tasks at update 0 and after every update; AUC = the mean of the training-task curve.
Statistics: paired differences over seeds (t-interval, exact sign-flip p). **Primary
contrast**, declared before running: ``igpo − grpo (AUC)``; the rest are Holm-corrected.

    python benchmarks/credit_igpo_learning.py [--seeds 8] [--updates 8] [--lr-grid 10 30 100]
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
ARMS = ("grpo", "igpo", "igpo-llm")
PRIMARY = "igpo − grpo (AUC)"
SCORER: list = []  # the frozen model of igpo-llm, loaded once


def setup_for(args: argparse.Namespace, lr: float):
    """The shared `LearningSetup` at learning rate ``lr``."""
    from agentrl.lab.igpo_learning import MENU_ENV, small_world
    from agentrl.lab.learning import LearningSetup

    return LearningSetup(env_id=MENU_ENV, env_kwargs=small_world(args.max_turns, args.worlds),
                         updates=args.updates, tasks_per_update=args.tasks,
                         group_size=args.group_size, lr=lr, dynamic_sampling=False,
                         eval_tasks=args.worlds, heldout_curve=True, reuse_graphs=True)


def scorer(args: argparse.Namespace):
    """The igpo-llm arm's frozen answer scorer (loaded on first use)."""
    if not SCORER:
        from agentrl.core.registry import make
        from agentrl.lab.igpo_learning import MENU_ENV, FrozenAnswerScorer, small_world
        from agentrl.policy.hf import HFPolicy

        env = make(MENU_ENV, **small_world(args.max_turns, args.worlds))
        model = HFPolicy.from_name("embedded:smollm2-135m", dtype=args.dtype)
        SCORER.append(FrozenAnswerScorer(model, env.spec))
        env.close()
    return SCORER[0]


def run_arm(arm: str, seed: int, lr: float, args: argparse.Namespace):
    """One paired run of ``arm``."""
    from agentrl.lab.igpo_learning import llm_information_gain, self_information_gain
    from agentrl.lab.learning import train_tabular
    from agentrl.policy.tabular import TabularPolicy

    policy = TabularPolicy()
    shape = None
    if arm == "igpo":
        shape = self_information_gain(policy)
    elif arm == "igpo-llm":
        shape = llm_information_gain(scorer(args))
    method = "grpo" if arm == "grpo" else "igpo"
    return train_tabular(setup_for(args, lr), method, seed, policy=policy, shape=shape)


def tune(arm: str, args: argparse.Namespace) -> tuple[float, dict[float, float]]:
    """(best rate, mean AUC per rate) over the tuning seeds (1000 + i)."""
    grid = {lr: sum(run_arm(arm, 1000 + s, lr, args).auc for s in range(args.tune_seeds))
            / args.tune_seeds for lr in args.lr_grid}
    return max(grid, key=grid.get), grid


def contrasts(runs: dict[str, list]) -> dict:
    """The family of paired differences; the primary one left uncorrected."""
    from agentrl.lab.stats import correct, paired

    family = {}
    for a, b in (("igpo", "grpo"), ("igpo-llm", "grpo"), ("igpo-llm", "igpo")):
        for metric, name in (("auc", "AUC"), ("final", "final")):
            family[f"{a} − {b} ({name})"] = paired(
                [getattr(x, metric) - getattr(y, metric)
                 for x, y in zip(runs[a], runs[b], strict=True)])
    correct(family, PRIMARY)
    return family


def mean_curve(results: list, attribute: str) -> list[float]:
    """The mean over seeds of each point of a curve."""
    curves = [getattr(r, attribute) for r in results]
    return [sum(c[i] for c in curves) / len(curves) for i in range(len(curves[0]))]


def tables(runs: dict[str, list], tuned: dict, updates: int) -> tuple[list[str], list[str]]:
    """The per-arm table and the mean-curve table (markdown lines)."""
    rows = ["| arm | lr (grid: mean AUC) | AUC | final success | held-out, first → last |",
            "|---|---|---|---|---|"]
    for arm, results in runs.items():
        n, held = len(results), mean_curve(results, "heldout_points")
        grid = ", ".join(f"{lr:g}: {auc:.3f}" for lr, auc in tuned[arm][1].items())
        rows.append(f"| {arm} | {tuned[arm][0]:g} ({grid}) | "
                    f"{sum(r.auc for r in results) / n:.3f} | "
                    f"{sum(r.final for r in results) / n:.3f} | {held[0]:.3f} → {held[-1]:.3f} |")
    curves = ["| arm | " + " | ".join(str(i) for i in range(updates + 1)) + " |",
              "|---|" + "---|" * (updates + 1)]
    curves += [f"| {arm} | " + " | ".join(f"{v:.3f}" for v in mean_curve(r, "curve")) + " |"
               for arm, r in runs.items()]
    return rows, curves


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--tune-seeds", type=int, default=1)
    parser.add_argument("--lr-grid", type=float, nargs="+", default=[10.0, 30.0, 100.0])
    parser.add_argument("--updates", type=int, default=8)
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--worlds", type=int, default=8)
    parser.add_argument("--max-turns", type=int, default=4)
    parser.add_argument("--dtype", default="float32", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--out", type=Path, default=RESULTS / "credit-igpo-learning.md")
    args = parser.parse_args()
    from agentrl.lab.stats import contrast_lines, provenance

    command = "python benchmarks/credit_igpo_learning.py " + shlex.join(sys.argv[1:])
    started, load = time.monotonic(), os.getloadavg()
    tuned = {arm: tune(arm, args) for arm in ARMS}
    runs = {arm: [run_arm(arm, seed, tuned[arm][0], args) for seed in range(args.seeds)]
            for arm in ARMS}
    family = contrasts(runs)
    end = os.getloadavg()
    rows, curves = tables(runs, tuned, args.updates)
    scored = len(SCORER[0].memo) if SCORER else 0
    doc = __doc__.split("\n\n")
    out = ["# IGPO against GRPO: tabular learning on a small search-QA world", "",
           f"Command: `{command}`", "",
           provenance("benchmarks/credit_igpo_learning.py", time.monotonic() - started, load,
                      end[0]), "", *doc[1:4], "",
           f"{args.seeds} paired seeds, {args.updates} updates × {args.tasks} groups × "
           f"{args.group_size}, {args.worlds} training tasks (the fixed evaluation tasks) and "
           f"{args.worlds} held-out tasks, {args.max_turns} turns; the frozen scorer read "
           f"{scored} distinct contexts.", "",
           *contrast_lines(family, PRIMARY, column="Δ [95% t-CI] p (Holm)",
                           title="paired differences over seeds (mean, 95 % t-CI, sign-flip "
                           "p)"), "",
           "## Per arm", "", *rows, "",
           "## Mean exact success on the training tasks (updates 0 …)", "", *curves, ""]
    args.out.write_text("\n".join(out) + "\n")
    data = {"command": command, "date": time.strftime("%Y-%m-%d"), "load": [load[0], end[0]],
            "primary": PRIMARY, "setting": "tabular, search-QA 1-hop menu world",
            "contrasts": {k: vars(d) for k, d in family.items()},
            "arms": {arm: {"lr": tuned[arm][0], "grid": tuned[arm][1],
                           "auc": [r.auc for r in rs], "final": [r.final for r in rs],
                           "curve": mean_curve(rs, "curve"),
                           "heldout": mean_curve(rs, "heldout_points")}
                     for arm, rs in runs.items()}}
    args.out.with_suffix(".json").write_text(json.dumps(data, indent=2) + "\n")
    print("\n".join(out))


if __name__ == "__main__":
    main()
