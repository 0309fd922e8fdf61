"""Full-history rollouts with and without the keys / values kept between turns.

With ``history: full`` each turn's prompt is the previous prompt + its reply + the new
observation. The HF policy keeps each row's cache after a generate call
(`agentrl.policy.prefix_store`), so the next turn prefills only the reply's last token and
the new observation; without it every turn prefills the whole, growing conversation.
Both modes run the same 16 TextWorld episodes (same seeds, EOS disabled so every reply is
``max_new_tokens`` long) in lockstep batches; "off" empties the store before every call.
Modes alternate over ``--repeats`` runs; figures are medians. Tokens sampled are checked
to be identical under greedy decoding (``--temperature 0``).

    python benchmarks/prefix_reuse.py [--n 16] [--max-turns 6] [--max-new-tokens 32]
                                      [--model small-llama] [--repeats 3] [--threads N]
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
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    policy = make_policy(args.model)
    env = agentrl.make("textworld", **ENV_KWARGS)
    tasks = list(env.tasks("train"))[: args.n]
    env.close()
    options = RolloutOptions(
        group_size=1, max_turns=args.max_turns, lenient_parsing=True,
        sampling=SamplingParams(temperature=args.temperature, max_new_tokens=args.max_new_tokens),
        prompt=PromptOptions(history="full", max_actions_shown=8),
    )
    make_env = lambda: agentrl.make("textworld", max_turns=args.max_turns, **ENV_KWARGS)  # noqa: E731
    runner = RolloutRunner(make_env, policy, options)
    times: dict[str, list[float]] = {"on": [], "off": []}
    outputs: dict[str, list[Trajectory]] = {}
    try:
        runner.run(tasks, group_size=1, seed=0, progress=False)  # warm-up, creates the envs
        for _ in range(args.repeats):
            for mode in ("on", "off"):
                policy.prefix_store.clear()
                take = PrefixStore.take if mode == "on" else (lambda self, model: [])
                with mock.patch.object(PrefixStore, "take", take):
                    started = time.perf_counter()
                    outputs[mode] = runner.run(tasks, group_size=1, seed=0, progress=False)
                    times[mode].append(time.perf_counter() - started)
    finally:
        runner.close()
    same = [[turn.action_ids for turn in t.turns] for t in outputs["on"]] == [
        [turn.action_ids for turn in t.turns] for t in outputs["off"]]
    on, off = statistics.median(times["on"]), statistics.median(times["off"])
    turns = sum(len(t.turns) for t in outputs["on"])
    print(f"{args.n} TextWorld episodes x {args.max_turns} turns, history full, "
          f"{args.max_new_tokens}-token replies, {args.model}, torch threads {args.threads}")
    print(f"turns: {turns}, prompt tokens over all turns: {prompt_tokens(outputs['on'])}")
    print(f"runs (s) on: {', '.join(f'{t:.2f}' for t in times['on'])}; "
          f"off: {', '.join(f'{t:.2f}' for t in times['off'])}")
    if args.temperature == 0:
        print(f"same tokens with and without reuse: {same}")
    print(f"rollout_s_reuse_on: {on:.2f}")
    print(f"rollout_s_reuse_off: {off:.2f}")
    print(f"speedup_prefix_reuse: {off / on:.2f}")


if __name__ == "__main__":
    main()
