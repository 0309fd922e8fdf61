"""Per-turn look at a credit report's ``credit_turns.jsonl``: the share of turns whose
Monte-Carlo advantage is exactly 0 (Q̂ = V̂), each row's mean |estimate| on those turns and on
the rest, and each row's Pearson r with the MC advantage on the rest.

    python benchmarks/credit_turns.py FOLDER/credit_turns.jsonl [--rows grpo gigpo …]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from agentrl.lab.fidelity import pearson


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("turns", type=Path)
    parser.add_argument("--rows", nargs="+", default=["grpo", "gigpo", "gigpo-placebo", "salt"])
    args = parser.parse_args()
    turns = [json.loads(line) for line in args.turns.open()]
    mc = np.array([t["mc"] for t in turns])
    zero = mc == 0
    print(f"turns {len(turns)}; MC advantage exactly 0 on {zero.mean():.2f} of them")
    headline = [f"mc_zero_fraction: {zero.mean():.3f}"]
    for row in args.rows:
        estimate = np.array([t["estimates"][row] for t in turns])
        r = pearson(estimate[~zero], mc[~zero])
        on_zero = np.abs(estimate[zero]).mean()
        print(f"{row}: mean |estimate| on MC-0 turns {on_zero:.2f}, on "
              f"the others {np.abs(estimate[~zero]).mean():.2f}; pearson on MC != 0 turns "
              f"{r:+.2f}")
        headline += [f"{row}_abs_estimate_on_mc_zero: {on_zero:.3f}",
                     f"{row}_pearson_on_mc_nonzero: {r:.3f}"]
    print()
    print("\n".join(headline))


if __name__ == "__main__":
    main()
