"""Credit fidelity of the LLM rows against the EXACT advantage: the embedded model
(``embedded:smollm2-135m``) restricted to the listed admissible actions, scored exactly
through the DP (`agentrl.lab.exact`, ``agentrl credit-report --exact``), no Monte-Carlo noise.

Setting: drawn worlds (``worlds='drawn'``, train split) of toy/fork and its toy/chain
control, Markov prompts (``history: last_k``, ``k: 0``, ``note_omitted_turns: false``, the
credit recipe's system prompt and ``response_prefix: "<action>"``), ``max_actions_shown:
30`` (every listed action). The policy is the frozen pretrained model with no adapter and no
warm start: π(a | prompt) is its probability of the reply ``<action>a</action>`` normalised
over the listed actions (`agentrl.lab.scorers.LLMScorer`, temperature 1); the batch's
episodes are sampled from exactly that distribution (`ScoredPolicy`), so the DP's A^π is
the advantage of the policy that produced the batch. Truth: the outcome return R,
undiscounted. Estimators at their registered defaults. ``--tasks`` groups × ``--group-size``
per rollout seed.

Contrasts (Pearson r with the exact advantage, all turns) as paired group-bootstrap
differences on the same turns: each estimator minus GRPO, and GiGPO minus its shuffled-anchor
placebo. **Primary contrast**, declared before running: GiGPO − GRPO on the fork, seed 0
(the earlier 6-group LLM rows are where GiGPO was said to lead); every other contrast is
Holm-corrected.

Writes ``benchmarks/results/credit-exact-llm.md`` (per-batch reports under
``benchmarks/results/credit-exact-llm/``). Seeded; bf16 autocast (``--dtype auto`` on a CPU
with native bf16) can move the last digits between CPUs.

    python benchmarks/credit_exact_llm.py [--tasks 32] [--group-size 8] [--seeds 0 1]
        [--envs fork chain] [--dtype auto]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from credit_exact import ROWS, batch_table, contrasts  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ENVS = {"fork": "toy/fork", "chain": "toy/chain"}
PRIMARY = "fork/seed0: gigpo − grpo"
SYSTEM = ("You explore a house. Reply with exactly one of the admissible actions, copied "
          "word for word, inside <action></action>, and nothing else.")


def recipe(env_id: str, group_size: int, tasks: int, dtype: str) -> dict:
    """The embedded model on drawn worlds with Markov prompts, temperature 1."""
    return {"name": "credit-exact-llm",
            "env": {"id": env_id, "kwargs": {"max_turns": 10, "worlds": "drawn",
                                             "tasks_per_split": tasks}},
            "policy": {"model": "embedded:smollm2-135m", "dtype": dtype,
                       "max_batch_size": 32},
            "rollout": {"group_size": group_size, "sampling": {"temperature": 1.0},
                        "prompt": {"history": "last_k", "k": 0, "note_omitted_turns": False,
                                   "max_actions_shown": 30, "response_prefix": "<action>",
                                   "system_prompt": SYSTEM}},
            "eval": {"num_tasks": 1}}  # no evaluation here; preflight checks the split size


def scored_policy(spec: dict):
    """The frozen LLM wrapped as the restricted policy the DP evaluates (one memo)."""
    from agentrl.lab.scorers import LLMScorer, ScoredPolicy
    from agentrl.run.loop import load_policy
    from agentrl.run.recipe import load_recipe

    loaded = load_recipe(spec)
    model = load_policy(loaded)
    scorer = LLMScorer(model, loaded.rollout.prompt.response_prefix,
                       loaded.rollout.sampling.temperature)
    note = (f"embedded:smollm2-135m, {model.precision.name}, restricted to the listed actions "
            "(reply probabilities normalised over them)")
    return ScoredPolicy(scorer, loaded.rollout.prompt.response_prefix), note


def run_batches(args: argparse.Namespace) -> tuple[list[str], dict, list[str]]:
    """Every (env, seed) batch: its section, its contrasts and its headline lines."""
    from agentrl.lab.report import CreditReportOptions, credit_report

    sections, family, headline = [], {}, []
    for name in args.envs:
        spec = recipe(ENVS[name], args.group_size, args.tasks, args.dtype)
        policy, note = scored_policy(spec)
        for seed in args.seeds:
            label = f"{name}/seed{seed}"
            folder = args.out.parent / args.out.stem / label.replace("/", "-")
            began = time.monotonic()
            options = CreditReportOptions(tasks=args.tasks, rows=ROWS, seed=seed,
                                          draws=args.draws, out=folder, policy_note=note,
                                          truth="exact", share_seeds=True)
            credit_report(spec, [], options, policy=policy)
            data = json.loads((folder / "credit_report.json").read_text())
            table = batch_table(label, data)
            table[4:4] = [f"Prompts scored so far: {policy.scorer.calls}; batch time "
                          f"{time.monotonic() - began:.0f} s.", ""]
            sections += table
            family |= contrasts(folder, label, args.draws)
            for row, values in data["rows"].items():
                headline.append(f"{label}_pearson_{row}: {values['pearson'][0]:.3f}")
            print(f"[{label}] done in {time.monotonic() - began:.0f} s "
                  f"({policy.scorer.calls} prompts scored)", flush=True)
    return sections, family, headline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=32, help="Groups (drawn worlds) per batch.")
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS / "credit-exact-llm.md")
    args = parser.parse_args()
    from agentrl.lab.stats import contrast_lines, correct, write_contrasts

    command = "python benchmarks/credit_exact_llm.py " + shlex.join(sys.argv[1:])
    started, load = time.monotonic(), os.getloadavg()
    sections, family, headline = run_batches(args)
    primary = PRIMARY if PRIMARY in family else next(iter(family))
    correct(family, primary)
    end_load = os.getloadavg()
    doc = __doc__.split("\n\n")
    lines = [
        "# Credit fidelity against the exact advantage (the embedded LLM)", "",
        f"Command: `{command}`", "",
        f"Generated by `benchmarks/credit_exact_llm.py` on {time.strftime('%Y-%m-%d')} in "
        f"{time.monotonic() - started:.0f} s; load average {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} at start, {end_load[0]:.2f} at the end, on a shared 2-core CPU "
        "(timings only).", "", doc[1], "", doc[2], "",
        *contrast_lines(family, primary),
        "", "## Per batch", "", *sections]
    args.out.write_text("\n".join(lines) + "\n")
    write_contrasts(args.out, command, primary, family)
    print("\n".join(headline))
    print(f"primary: {primary} {family[primary].cell()}")


if __name__ == "__main__":
    main()
