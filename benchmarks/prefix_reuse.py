"""Full-history rollouts with and without the keys / values kept between turns.

With ``history: full`` each turn's prompt is the previous prompt + its reply + the new
observation. The HF policy keeps each row's cache after a generate call
(`agentrl.policy.prefix_store`), so the next turn prefills only the reply's last token and
the new observation; without it every turn prefills the whole, growing conversation.
Both modes run the same 16 TextWorld episodes (same seeds, EOS disabled so every reply is
``max_new_tokens`` long) in lockstep batches; "off" empties the store before every call.
Modes alternate over ``--repeats`` runs; figures are medians. Tokens sampled are checked
to be identical under greedy decoding (``--temperature 0``).

With ``--group-size G`` (``--n`` tasks x G rollouts, sampled at ``--temperature``) a third
mode, "groups", keeps no caches between calls but prefills the prefixes that only some
prompts share once per group (`agentrl.policy.prefix_groups`: on later turns a group shares
its task's first prompt, not its history); "off" then also turns that grouping off, and
"on" has both. Under sampling the modes are checked to draw the same tokens (one seed).

    python benchmarks/prefix_reuse.py [--n 16] [--max-turns 6] [--max-new-tokens 32]
                                      [--model small-llama] [--repeats 3] [--threads N]
                                      [--group-size 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

import torch
from batched_rollout import ENV_KWARGS, make_policy

import agentrl
from agentrl.core.types import Trajectory
from agentrl.policy import prefix_groups
from agentrl.policy.base import SamplingParams
from agentrl.policy.prefix_store import PrefixStore
from agentrl.rollout.prompts import PromptOptions
from agentrl.rollout.runner import RolloutOptions, RolloutRunner


def prompt_tokens(trajectories: list[Trajectory]) -> int:
    """Prompt tokens over every turn (what a policy without reuse prefills)."""
    return sum(len(turn.prompt_ids) for t in trajectories for turn in t.turns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16, help="Episodes (one env each).")
    parser.add_argument("--max-turns", type=int, default=6)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--temperature", type=float, default=0.0)
    parser.add_argument("--model", default="small-llama",
                        help="small-llama (see batched_rollout), tiny:llama, or a model name.")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--group-size", type=int, default=1,
                        help="Rollouts per task; above 1 adds the 'groups' mode.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    policy = make_policy(args.model)
    env = agentrl.make("textworld", **ENV_KWARGS)
    tasks = list(env.tasks("train"))[: args.n]
    env.close()
    group = args.group_size
    options = RolloutOptions(
        group_size=group, max_turns=args.max_turns, lenient_parsing=True,
        sampling=SamplingParams(temperature=args.temperature, max_new_tokens=args.max_new_tokens),
        prompt=PromptOptions(history="full", max_actions_shown=8),
    )
    make_env = lambda: agentrl.make("textworld", max_turns=args.max_turns, **ENV_KWARGS)  # noqa: E731
    runner = RolloutRunner(make_env, policy, options)
    modes = ("on", "groups", "off") if group > 1 else ("on", "off")
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    outputs: dict[str, list[Trajectory]] = {}
    try:
        runner.run(tasks, group_size=group, seed=0, progress=False)  # warm-up, creates the envs
        for _ in range(args.repeats):
            for mode in modes:
                outputs[mode], seconds = run_mode(runner, policy, tasks, group, mode)
                times[mode].append(seconds)
    finally:
        runner.close()
    report(args, times, outputs)


def run_mode(runner: RolloutRunner, policy, tasks, group: int, mode: str):  # noqa: ANN001, ANN201
    """One timed run: "on" keeps caches between calls, "groups" only groups prefixes within a
    call, "off" neither (grouping is off only when ``group`` > 1, as before it existed)."""
    policy.prefix_store.clear()
    take = PrefixStore.take if mode == "on" else (lambda self, model: [])
    min_group = 10**9 if mode == "off" and group > 1 else prefix_groups.MIN_GROUP_PREFIX
    with mock.patch.object(PrefixStore, "take", take), \
            mock.patch.object(prefix_groups, "MIN_GROUP_PREFIX", min_group):
        started = time.perf_counter()
        trajectories = runner.run(tasks, group_size=group, seed=0, progress=False)
        return trajectories, time.perf_counter() - started


def report(args: argparse.Namespace, times: dict[str, list[float]],
           outputs: dict[str, list[Trajectory]]) -> None:
    """Print the runs, the medians and the speedups over "off"."""
    actions = {mode: [[turn.action_ids for turn in t.turns] for t in trajectories]
               for mode, trajectories in outputs.items()}
    same = all(a == actions["off"] for a in actions.values())
    medians = {mode: statistics.median(values) for mode, values in times.items()}
    turns = sum(len(t.turns) for t in outputs["on"])
    print(f"{args.n} TextWorld tasks x {args.group_size} rollouts x {args.max_turns} turns, "
          f"history full, {args.max_new_tokens}-token replies, temperature {args.temperature}, "
          f"{args.model}, torch threads {args.threads}")
    print(f"turns: {turns}, prompt tokens over all turns: {prompt_tokens(outputs['on'])}")
    print("runs (s) " + "; ".join(
        f"{mode}: {', '.join(f'{t:.2f}' for t in values)}" for mode, values in times.items()))
    print(f"same tokens in every mode: {same}")
    for mode, median in medians.items():
        print(f"rollout_s_reuse_{mode}: {median:.2f}")
    print(f"speedup_prefix_reuse: {medians['off'] / medians['on']:.2f}")
    if "groups" in medians:
        print(f"speedup_prefix_groups_only: {medians['off'] / medians['groups']:.2f}")

if __name__ == "__main__":
    main()
