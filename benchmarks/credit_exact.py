"""Credit fidelity against the EXACT advantage: every estimator's per-turn advantages
correlated with A^π = Q^π − V^π computed by dynamic programming (`agentrl.lab.exact`,
``agentrl credit-report --exact``) on toy/fork and its toy/chain control.

Setting: drawn worlds (``worlds='drawn'``, train split: corridors 1–3, dead ends 1–3 deep,
varied themes), Markov prompts (``history: last_k``, ``k: 0``, ``note_omitted_turns:
false``: the tabular policy is a policy over env states), a frozen tabular softmax policy —
``uniform`` (θ = 0), or ``imitated`` (+B on the expert's action in every state the expert
visits, `TabularPolicy.imitate`: it succeeds on 68–81 % of the batches' episodes)
— and a batch of
``--tasks`` groups × ``--group-size`` per rollout seed. Truth: the outcome return R,
undiscounted (what the estimators target). Estimators at their registered defaults.

Contrasts (Pearson r with the exact advantage, all turns): each estimator minus GRPO, and
GiGPO minus its shuffled-anchor placebo, as paired group-bootstrap differences on the same
turns. **Primary contrast**, declared before running: GiGPO − gigpo-placebo on the fork
under the uniform policy (seed 0); every other contrast of the table is Holm-corrected.

Writes ``benchmarks/results/credit-exact.md`` (and the per-batch reports under
``benchmarks/results/credit-exact/``). Seeded: rerunning the command gives the same numbers.

    python benchmarks/credit_exact.py [--tasks 64] [--group-size 8] [--seeds 0 1]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
ENVS = {"fork": "toy/fork", "chain": "toy/chain"}
ROWS = ["grpo", "rloo", "reinforce++", "salt", "gigpo", "gigpo-placebo"]
PRIMARY = "fork/uniform/seed0: gigpo − gigpo-placebo"


def recipe(env_id: str, group_size: int, tasks: int) -> dict:
    """Markov prompts over drawn worlds, temperature 1."""
    return {"name": "credit-exact", "env": {"id": env_id, "kwargs": {
        "max_turns": 10, "worlds": "drawn", "tasks_per_split": tasks}},
        "rollout": {"group_size": group_size, "sampling": {"temperature": 1.0},
                    "prompt": {"history": "last_k", "k": 0, "note_omitted_turns": False,
                               "max_actions_shown": 30}}}


def make_policy(kind: str, spec: dict, tasks: int, bonus: float):
    """The frozen tabular policy of ``kind`` and its description."""
    from credit_fidelity import imitate_expert  # a sibling script: benchmarks/ is on sys.path

    from agentrl.policy.tabular import TabularPolicy

    policy = TabularPolicy()
    if kind == "uniform":
        return policy, "tabular softmax, uniform (θ = 0)"
    turns = imitate_expert(policy, spec, tasks, bonus)
    return policy, f"tabular softmax, +{bonus:g} on the expert's action in {turns} turns"


def contrasts(folder: Path, label: str, draws: int) -> dict:
    """Paired group-bootstrap Δ Pearson of each row vs GRPO, and GiGPO vs its placebo."""
    from agentrl.lab.fidelity import pearson
    from agentrl.lab.stats import paired_group_bootstrap

    turns = [json.loads(line) for line in (folder / "credit_turns.jsonl").open()]
    truth = np.array([t["mc"] for t in turns])
    groups = np.array([t["group"] for t in turns])
    rows = {r: np.array([t["estimates"][r] for t in turns]) for r in ROWS}
    pairs = [(r, "grpo") for r in ROWS if r != "grpo"] + [("gigpo", "gigpo-placebo")]
    return {f"{label}: {a} − {b}": paired_group_bootstrap(pearson, rows[a], rows[b], truth,
                                                          groups, draws=draws, seed=0)
            for a, b in pairs}


def batch_table(label: str, data: dict) -> list[str]:
    """One batch's rows: Pearson, Spearman, sign agreement, with group-bootstrap CIs."""
    info = data["info"]
    lines = [f"#### {label}", "", f"{info['policy_note']}; {info['groups']} groups, "
             f"{info['turns']} turns, batch success {info['success']:.3f}, mixed groups "
             f"{info['mixed_group_fraction']:.2f}, turns in non-singleton step groups "
             f"{info['turns_in_non_singleton_step_groups']:.2f}; {info['truth']}.", "",
             "| row | Pearson r | Spearman ρ | sign agreement |", "|---|---|---|---|"]
    for row, values in data["rows"].items():
        cells = [f"{v[0]:+.3f} [{v[1]:+.3f}, {v[2]:+.3f}]"
                 for v in (values["pearson"], values["spearman"], values["sign"])]
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=64, help="Groups (drawn worlds) per batch.")
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--policies", nargs="+", default=["uniform", "imitated"])
    parser.add_argument("--bonus", type=float, default=1.0, help="Imitation logit bonus.")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS / "credit-exact.md")
    args = parser.parse_args()
    from agentrl.lab.report import CreditReportOptions, credit_report
    from agentrl.lab.stats import contrast_lines, correct, write_contrasts

    command = "python benchmarks/credit_exact.py " + shlex.join(sys.argv[1:])
    started, load = time.monotonic(), os.getloadavg()
    sections, family, headline = [], {}, []
    for name, env_id in ENVS.items():
        for kind in args.policies:
            spec = recipe(env_id, args.group_size, args.tasks)
            for seed in args.seeds:
                policy, note = make_policy(kind, spec, args.tasks, args.bonus)
                label = f"{name}/{kind}/seed{seed}"
                folder = args.out.parent / "credit-exact" / label.replace("/", "-")
                options = CreditReportOptions(tasks=args.tasks, rows=ROWS, seed=seed,
                                              draws=args.draws, out=folder, policy_note=note,
                                              truth="exact", share_seeds=True)
                credit_report(spec, [], options, policy=policy)
                data = json.loads((folder / "credit_report.json").read_text())
                sections += batch_table(label, data)
                family |= contrasts(folder, label, args.draws)
                for row, values in data["rows"].items():
                    headline.append(f"{label}_pearson_{row}: {values['pearson'][0]:.3f}")
                print(f"[{label}] done", flush=True)
    correct(family, PRIMARY)
    lines = [
        "# Credit fidelity against the exact advantage (tabular policies)", "",
        f"Command: `{command}`", "",
        f"Generated by `benchmarks/credit_exact.py` in {time.monotonic() - started:.0f} s; "
        f"load average at start {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} on a shared "
        "2-core machine (timings only; the numbers are seeded and do not depend on it).", "",
        __doc__.split("\n\n")[1], "", __doc__.split("\n\n")[2], "",
        *contrast_lines(family, PRIMARY),
        "", "## Per batch", "", *sections]
    args.out.write_text("\n".join(lines) + "\n")
    write_contrasts(args.out, command, PRIMARY, family)
    print("\n".join(headline))
    print(f"primary: {family[PRIMARY].cell()}")


if __name__ == "__main__":
    main()
