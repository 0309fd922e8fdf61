"""Credit fidelity against the EXACT advantage on the card's larger worlds: small TextWorld
games and a small search-QA world (``agentrl credit-report --exact``, `agentrl.lab.exact`).

Worlds: **TextWorld** easy games (the first ``--tw-tasks`` train games, 6–12 admissible
commands each), horizon ``--tw-turns`` turns, enumerated as the plain episode tree
(``memo: history``: TextWorld's ``state_key`` covers the player's room, inventory and room
description, not what was left in another room, so merging on it is not exact — the DP's
check found such a pair at 4 turns); **search-QA** cut to a menu of six replies per task
(`agentrl.lab.menu`: its own search / open / answer and another task's; 1-hop questions,
``--qa-turns`` turns; its ``state_key`` is the call history, so merging on it is exact).
Markov prompts (``history: last_k``, ``k: 0``, no omitted-turns note), temperature 1,
frozen tabular softmax policies: ``uniform``, and ``imitated`` (+``--bonus`` on the
demonstration's action in every state the demonstration visits). Truth: the outcome R
(TextWorld: won; search-QA: exact match), undiscounted — what the estimators target.
Estimators at their registered defaults.

Contrasts (Pearson r with the exact advantage, all turns), paired group bootstrap on the
same turns: each estimator minus GRPO and GiGPO minus its shuffled-anchor placebo.
**Primary contrast**, declared before running: GiGPO − gigpo-placebo on TextWorld under the
imitated policy, seed 0; every other contrast is Holm-corrected.

    python benchmarks/credit_exact_worlds.py [--tw-tasks 8] [--qa-tasks 16] [--seeds 0 1]
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
ROWS = ["grpo", "rloo", "reinforce++", "salt", "gigpo", "gigpo-placebo"]
PRIMARY = "textworld/imitated/seed0: gigpo − gigpo-placebo"
MARKOV = {"history": "last_k", "k": 0, "note_omitted_turns": False, "max_actions_shown": 30}


def recipes(args: argparse.Namespace) -> dict[str, tuple[dict, int, str]]:
    """world → (recipe, tasks, memo)."""
    from agentrl.lab.igpo_learning import MENU_ENV, small_world

    rollout = {"group_size": args.group_size, "sampling": {"temperature": 1.0},
               "prompt": MARKOV}
    return {
        "textworld": ({"name": "credit-exact-worlds", "env": {"id": "textworld"},
                       "rollout": {**rollout, "max_turns": args.tw_turns}},
                      args.tw_tasks, "history"),
        "search-qa": ({"name": "credit-exact-worlds", "env": {
            "id": MENU_ENV, "kwargs": small_world(args.qa_turns)}, "rollout": rollout},
            args.qa_tasks, "state"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tw-tasks", type=int, default=8)
    parser.add_argument("--tw-turns", type=int, default=3)
    parser.add_argument("--qa-tasks", type=int, default=16)
    parser.add_argument("--qa-turns", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--policies", nargs="+", default=["uniform", "imitated"])
    parser.add_argument("--bonus", type=float, default=1.0)
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS / "credit-exact-worlds.md")
    args = parser.parse_args()
    from credit_exact import batch_table, contrasts, make_policy  # sibling scripts

    from agentrl.lab.report import CreditReportOptions, credit_report
    from agentrl.lab.stats import contrast_lines, correct, provenance, write_contrasts

    command = "python benchmarks/credit_exact_worlds.py " + shlex.join(sys.argv[1:])
    started, load = time.monotonic(), os.getloadavg()
    sections, family = [], {}
    for world, (spec, tasks, memo) in recipes(args).items():
        for kind in args.policies:
            for seed in args.seeds:
                policy, note = make_policy(kind, spec, tasks, args.bonus)
                label = f"{world}/{kind}/seed{seed}"
                folder = args.out.parent / "credit-exact-worlds" / label.replace("/", "-")
                options = CreditReportOptions(tasks=tasks, rows=ROWS, seed=seed,
                                              draws=args.draws, out=folder, policy_note=note,
                                              truth="exact", share_seeds=True, memo=memo)
                began = time.monotonic()
                credit_report(spec, [], options, policy=policy)
                data = json.loads((folder / "credit_report.json").read_text())
                sections += batch_table(label, data)
                family |= contrasts(folder, label, args.draws)
                print(f"[{label}] {time.monotonic() - began:.0f} s", flush=True)
    correct(family, PRIMARY)
    end = os.getloadavg()
    doc = __doc__.split("\n\n")
    lines = [
        "# Credit fidelity against the exact advantage: TextWorld and search-QA (tabular)", "",
        f"Command: `{command}`", "",
        provenance("benchmarks/credit_exact_worlds.py", time.monotonic() - started, load,
                   end[0]), "",
        doc[1], "", doc[2], "", *contrast_lines(family, PRIMARY), "", "## Per batch", "",
        *sections]
    args.out.write_text("\n".join(lines) + "\n")
    write_contrasts(args.out, command, PRIMARY, family)
    print(f"primary: {family[PRIMARY].cell()}")


if __name__ == "__main__":
    main()
