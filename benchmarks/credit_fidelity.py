"""Advantage fidelity: every estimator's per-turn advantages against Monte-Carlo truth on the
credit lab (toy/fork, its toy/chain control) and TextWorld, one frozen policy per env.

Runs `agentrl.credit.report.credit_report` (what ``agentrl credit-report`` runs) per env and
keeps each report (markdown table, PNG scatter, JSON) in ``benchmarks/results/credit-fidelity/
<env>/``. The policy is the uniform tabular softmax over the listed admissible actions
(`agentrl.policy.tabular`): the embedded LLM took > 6 minutes for one batch of 16 fork
episodes on this shared 2-core CPU, too slow for K continuations per prefix. Headline lines:
Pearson r of each row with the MC advantage (all turns, and mixed-outcome groups).
``--warm-updates N`` first trains the toy envs' policy N GRPO updates (folders ``*-warm``), a
frozen policy whose batches have more mixed-outcome groups than the uniform one's.

    python benchmarks/credit_fidelity.py [--envs fork chain textworld] [--tasks 16] [--k 8]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "credit-fidelity"
ENVS = {
    "fork": {"id": "toy/fork", "kwargs": {"max_turns": 10}},
    "chain": {"id": "toy/chain", "kwargs": {"max_turns": 10}},
    "textworld": {"id": "textworld", "kwargs": {
        "difficulty": "easy", "max_turns": 10,
        "tasks_per_split": {"train": 8, "valid": 2, "heldout": 8}}},
}


def recipe(env: dict, group_size: int) -> dict:
    """Markov prompts (current observation + admissible actions), sampled at temperature 1."""
    return {"name": "credit-fidelity", "env": env,
            "rollout": {"group_size": group_size, "sampling": {"temperature": 1.0},
                        "prompt": {"history": "last_k", "k": 0, "max_actions_shown": 30}}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    parser.add_argument("--tasks", type=int, default=16, help="Tasks (toy envs).")
    parser.add_argument("--textworld-tasks", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--k", type=int, default=8, help="MC continuations (toy envs).")
    parser.add_argument("--textworld-k", type=int, default=4)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--warm-updates", type=int, default=0,
                        help="Train the toy envs' tabular policy this many GRPO updates "
                        "first (a policy with more mixed groups), then freeze it.")
    parser.add_argument("--warm-lr", type=float, default=5.0)
    args = parser.parse_args()
    from agentrl.credit.learning import LearningSetup, train_tabular
    from agentrl.credit.report import CreditReportOptions, credit_report
    from agentrl.policy.tabular import TabularPolicy

    headline: list[str] = []
    for name in args.envs:
        tw = name == "textworld"
        policy, note = TabularPolicy(), "tabular softmax, uniform"
        started = time.monotonic()
        if args.warm_updates and not tw:
            setup = LearningSetup(env_id=ENVS[name]["id"], env_kwargs=ENVS[name]["kwargs"],
                                  updates=args.warm_updates, lr=args.warm_lr,
                                  dynamic_sampling=True, eval_tasks=1, eval_episodes=1)
            train_tabular(setup, "grpo", seed=1_000, policy=policy)
            note = (f"tabular softmax after {args.warm_updates} GRPO updates at lr "
                    f"{args.warm_lr:g} from uniform, then frozen")
        options = CreditReportOptions(
            tasks=args.textworld_tasks if tw else args.tasks, k=args.textworld_k if tw else args.k,
            draws=args.draws, out=args.out / (name + ("-warm" if args.warm_updates and not tw
                                                      else "")), policy_note=note)
        path = credit_report(recipe(ENVS[name], args.group_size), [], options, policy=policy)
        print(path.read_text(), flush=True)
        print(f"[{name}] {time.monotonic() - started:.0f} s", flush=True)
        data_path = path.with_suffix(".json")
        if not data_path.exists():
            headline.append(f"{name}_skipped: 1")
            continue
        data = json.loads(data_path.read_text())
        for row, values in data["rows"].items():
            headline.append(f"{name}_pearson_{row}: {values['pearson'][0]:.3f}")
            if "mixed/pearson" in values:
                headline.append(f"{name}_mixed_pearson_{row}: {values['mixed/pearson'][0]:.3f}")
        headline.append(f"{name}_non_singleton_turns: "
                        f"{data['info']['turns_in_non_singleton_step_groups']:.3f}")
    print()
    print("\n".join(headline))


if __name__ == "__main__":
    main()
