"""Advantage fidelity: every estimator's per-turn advantages against Monte-Carlo truth on the
credit lab (toy/fork, its toy/chain control) and TextWorld, one frozen policy per env.

Runs `agentrl.lab.report.credit_report` (what ``agentrl credit-report`` runs) per env and
keeps each report (markdown table, PNG scatter, JSON) in ``benchmarks/results/credit-fidelity/
<env>/``. The policy is the uniform tabular softmax over the listed admissible actions
(`agentrl.policy.tabular`): the embedded LLM took > 6 minutes for one batch of 16 fork
episodes on this shared 2-core CPU, too slow for K continuations per prefix. Headline lines:
Pearson r of each row with the MC advantage (all turns, and mixed-outcome groups).
``--warm-updates N`` first trains the toy envs' policy N GRPO updates (folders ``*-warm``), a
frozen policy whose batches have more mixed-outcome groups than the uniform one's.
``--imitate B`` first clones the env's expert on the report's tasks in closed form
(`TabularPolicy.imitate`: +B on the expert's action in each demonstrated state; folders
``*-imitated``): a policy that succeeds where the uniform one never does (ALFWorld).

    python benchmarks/credit_fidelity.py [--envs fork chain textworld alfworld] [--tasks 16]
        [--k 8] [--textworld-tasks 4] [--alfworld-tasks 6] [--alfworld-k 1] [--imitate B] …
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from agentrl.policy.tabular import TabularPolicy

RESULTS = Path(__file__).resolve().parent / "results" / "credit-fidelity"
ENVS = {
    "fork": {"id": "toy/fork", "kwargs": {"max_turns": 10}},
    "chain": {"id": "toy/chain", "kwargs": {"max_turns": 10}},
    "textworld": {"id": "textworld", "kwargs": {
        "difficulty": "easy", "max_turns": 10,
        "tasks_per_split": {"train": 8, "valid": 2, "heldout": 8}}},
    # ALFWorld generated from the shipped floor plans, the two task types the uniform policy
    # solved at all in a probe (2/64 episodes at 50 turns; 0/64 over all six types). Each MC
    # continuation replays its prefix and runs to the horizon at ~0.06 s per engine step, so
    # the cost grows as episodes × max_turns² × K: the sizes below are what ~25 min allow.
    "alfworld": {"id": "alfworld", "kwargs": {
        "source": "generated", "max_turns": 20, "num_tasks": 8,
        "task_types": ["pick_and_place_simple", "look_at_obj_in_light"]},
        # one replay call per continuation (reset + prefix) in 64-episode chunks outlasts the
        # 60 s default limit on this CPU; two stepping threads for two cores
        "rollout": {"step_timeout_s": 1800, "workers": 2}},
}
# Default sizes per env (tasks, MC continuations K, group size); --tasks / --k /
# --group-size set the toy envs', --<env>-tasks / --<env>-k / --<env>-group-size the others'.
SIZES = {"textworld": (4, 4, 8), "alfworld": (6, 1, 4)}


def recipe(env: dict, group_size: int) -> dict:
    """Markov prompts (current observation + admissible actions, no omitted-turns count),
    sampled at temperature 1."""
    return {"name": "credit-fidelity", "env": {"id": env["id"], "kwargs": env["kwargs"]},
            "rollout": {"group_size": group_size, "sampling": {"temperature": 1.0},
                        "prompt": {"history": "last_k", "k": 0, "max_actions_shown": 30,
                                   "note_omitted_turns": False},
                        **env.get("rollout", {})}}


def imitate_expert(policy: TabularPolicy, spec: dict, tasks: int, bonus: float) -> int:
    """`TabularPolicy.imitate` on the expert's demonstrations of the first ``tasks`` train
    tasks, with the prompts the report's runner will build; returns the turns imitated."""
    from agentrl.run.preflight import check_recipe
    from agentrl.run.recipe import load_recipe
    from agentrl.run.warm_start import demonstration_examples

    loaded = load_recipe(spec)
    env = check_recipe(loaded)
    try:
        examples = [example for task in list(env.tasks("train"))[:tasks]
                    for example in demonstration_examples(env, task, loaded.rollout.prompt)]
    finally:
        env.close()
    return policy.imitate(examples, bonus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    parser.add_argument("--tasks", type=int, default=16, help="Tasks (toy envs).")
    parser.add_argument("--group-size", type=int, default=8, help="Group size (toy envs).")
    parser.add_argument("--k", type=int, default=8, help="MC continuations (toy envs).")
    for env, (tasks, k, group) in SIZES.items():
        parser.add_argument(f"--{env}-tasks", type=int, default=tasks)
        parser.add_argument(f"--{env}-k", type=int, default=k)
        parser.add_argument(f"--{env}-group-size", type=int, default=group)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--exact", action="store_true",
                        help="Exact truth by DP (agentrl.lab.exact) on the toy envs; Monte "
                        "Carlo stays for TextWorld and ALFWorld. benchmarks/credit_exact.py "
                        "is the full exact comparison.")
    parser.add_argument("--out", type=Path, default=RESULTS)
    start = parser.add_mutually_exclusive_group()
    start.add_argument("--warm-updates", type=int, default=0,
                        help="Train the toy envs' tabular policy this many GRPO updates "
                        "first (a policy with more mixed groups), then freeze it.")
    parser.add_argument("--warm-lr", type=float, default=5.0)
    start.add_argument("--imitate", type=float, default=0.0, metavar="B",
                        help="Clone the expert's demonstrations on the report's tasks first: "
                        "logit +B on the expert's action in each demonstrated state.")
    args = parser.parse_args()
    from agentrl.lab.learning import LearningSetup, train_tabular
    from agentrl.lab.report import CreditReportOptions, credit_report
    from agentrl.policy.tabular import TabularPolicy

    headline: list[str] = []
    for name in args.envs:
        toy = name not in SIZES
        tasks, k, group = ((args.tasks, args.k, args.group_size) if toy else
                           (getattr(args, f"{name}_tasks"), getattr(args, f"{name}_k"),
                            getattr(args, f"{name}_group_size")))
        policy, note, suffix = TabularPolicy(), "tabular softmax, uniform", ""
        started = time.monotonic()
        if args.imitate:
            turns = imitate_expert(policy, recipe(ENVS[name], group), tasks, args.imitate)
            note = (f"tabular softmax from uniform, +{args.imitate:g} on the expert's action "
                    f"in the {turns} demonstrated turns of these tasks, then frozen")
            suffix = "-imitated"
        if args.warm_updates and toy:
            setup = LearningSetup(env_id=ENVS[name]["id"], env_kwargs=ENVS[name]["kwargs"],
                                  updates=args.warm_updates, lr=args.warm_lr,
                                  dynamic_sampling=True, eval_tasks=1, eval_episodes=1)
            train_tabular(setup, "grpo", seed=1_000, policy=policy)
            note = (f"tabular softmax after {args.warm_updates} GRPO updates at lr "
                    f"{args.warm_lr:g} from uniform, then frozen")
            suffix = "-warm"
        exact = args.exact and toy
        options = CreditReportOptions(tasks=tasks, k=k, draws=args.draws,
                                      out=args.out / (name + suffix + "-exact" * exact),
                                      policy_note=note, truth="exact" if exact else "mc",
                                      share_seeds=exact)
        path = credit_report(recipe(ENVS[name], group), [], options, policy=policy)
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
