"""Batched lockstep rollout vs one env at a time, on TextWorld (easy) games.

Batched: N episodes stepped in lockstep by one `RolloutRunner.run` call, so each turn is ONE
batched ``generate`` over every active episode. Sequential: the same N episodes (same tasks,
same env seeds) run one after another, one ``generate`` of batch size 1 per turn.

Fairness: both modes use the same model weights, the same sampling settings and the same
fixed turn count; end-of-sequence stopping is disabled (`FixedLengthPolicy`), so every reply
is exactly ``max_new_tokens`` long and both modes generate the same number of tokens (the
script counts them and prints both counts). The env call, prompt building and parsing are
the same code in both modes. The default model is a randomly initialised 4-layer Llama of
width 256 with the embedded model's 49k tokenizer (a "somewhat realistic" small shape:
attention, MLP and a large LM head all matter); ``--embedded-n`` also times the embedded
SmolLM2-135M once for a smaller N.

Two batch shapes are timed: 16 different tasks (one rollout each), and the shape training
uses, 4 tasks x a group of 4 rollouts (`RolloutRunner.run(tasks, group_size=4)`), whose
identical first prompts the policy prefills once. Both at several reply lengths: on a CPU a
prompt's prefill (~300 tokens here) costs the same per row batched or not, so the gain
grows with the share of decoding. Each mode runs ``--repeats`` times, alternating, and the
medians are compared, so a burst of other load on the machine hits both modes alike.

    python benchmarks/batched_rollout.py [--n 16] [--max-turns 3] [--max-new-tokens 16 64]
                                         [--group-size 1 4] [--temperature 1.0]
                                         [--model small-llama]
                                         [--embedded-n 4] [--embedded-turns 2]
                                         [--generate-only-n 16] [--repeats 3]
                                         [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from transformers import AutoModelForCausalLM, LlamaConfig

import agentrl
from agentrl.core.types import Task, Trajectory
from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.policy.resolve import load_model, load_tokenizer
from agentrl.rollout.prompts import PromptOptions
from agentrl.rollout.runner import RolloutOptions, RolloutRunner

ENV_KWARGS = {"difficulty": "easy", "tasks_per_split": {"train": 16, "valid": 4, "heldout": 16}}


class FixedLengthPolicy(HFPolicy):
    """An `HFPolicy` that never stops at end-of-sequence: every reply is max_new_tokens long."""

    @property
    def eos_ids(self) -> set[int]:
        return set()


def small_llama(vocab_size: int, seed: int = 0) -> torch.nn.Module:
    """A randomly initialised Llama: 4 layers, width 256, 8 heads (4 KV), 49k vocabulary."""
    config = LlamaConfig(
        vocab_size=vocab_size, hidden_size=256, intermediate_size=768, num_hidden_layers=4,
        num_attention_heads=8, num_key_value_heads=4, max_position_embeddings=4096,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    return AutoModelForCausalLM.from_config(config).eval()


def make_policy(model_name: str) -> FixedLengthPolicy:
    """``small-llama`` (built here) or any name `agentrl.policy.resolve` accepts."""
    tokenizer = load_tokenizer("tiny:llama")
    if model_name == "small-llama":
        model = small_llama(len(tokenizer))
    else:
        tokenizer = load_tokenizer(model_name)
        model = load_model(model_name).eval()
    return FixedLengthPolicy(model, tokenizer, name=model_name, max_batch_size=64)


def make_options(max_turns: int, max_new_tokens: int, temperature: float) -> RolloutOptions:
    """The same options for both modes: short prompts, one sampler, fixed turn count."""
    return RolloutOptions(
        group_size=1, max_turns=max_turns, lenient_parsing=True,
        sampling=SamplingParams(
            temperature=temperature, top_p=1.0, max_new_tokens=max_new_tokens
        ),
        prompt=PromptOptions(history="last_k", k=1, max_actions_shown=8),
    )


def count(trajectories: list[Trajectory]) -> tuple[int, int]:
    """(turns, generated tokens) over ``trajectories``."""
    turns = sum(len(t.turns) for t in trajectories)
    tokens = sum(len(turn.action_ids) for t in trajectories for turn in t.turns)
    return turns, tokens


def run_batched(runner: RolloutRunner, tasks: list[Task], group: int) -> list[Trajectory]:
    """All episodes at once, ``group`` per task: one batched generate per turn."""
    return runner.run(tasks, group_size=group, seed=0, progress=False)


def run_sequential(runner: RolloutRunner, tasks: list[Task], group: int) -> list[Trajectory]:
    """The same episodes one at a time (episode i keeps env seed i)."""
    out: list[Trajectory] = []
    for index in range(len(tasks) * group):
        out += runner.run([tasks[index // group]], group_size=1, seed=index, progress=False)
    return out


def compare(
    model_name: str, n: int, group: int, max_turns: int, max_new_tokens: int, temperature: float,
    repeats: int = 1,
) -> dict[str, float]:
    """Time both modes on N episodes (N / group tasks x group) of ``model_name``; with
    ``repeats`` > 1 the modes alternate and each figure is the median over the repeats."""
    policy = make_policy(model_name)
    env = agentrl.make("textworld", **ENV_KWARGS)
    train = list(env.tasks("train"))
    env.close()
    tasks = [train[i % len(train)] for i in range(n // group)]
    make_env = lambda: agentrl.make("textworld", max_turns=max_turns, **ENV_KWARGS)  # noqa: E731
    runner = RolloutRunner(make_env, policy, make_options(max_turns, max_new_tokens, temperature))
    batched_times, sequential_times = [], []
    try:
        # Warm-up (untimed): one short turn of every episode creates all N envs (both
        # modes then reuse them) and warms the model's kernels and allocator.
        options, runner.options = runner.options, make_options(1, 2, temperature)
        run_batched(runner, tasks, group)
        runner.options = options
        for _ in range(repeats):  # alternating, so load changes hit both modes alike
            started = time.perf_counter()
            batched = run_batched(runner, tasks, group)
            batched_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            sequential = run_sequential(runner, tasks, group)
            sequential_times.append(time.perf_counter() - started)
    finally:
        runner.close()
    batched_s, sequential_s = statistics.median(batched_times), statistics.median(sequential_times)
    (b_turns, b_tokens), (s_turns, s_tokens) = count(batched), count(sequential)
    label = f"[{model_name} {len(tasks)} tasks x G{group}, {max_new_tokens} new tokens]"
    print(f"{label} turns batched/sequential: {b_turns}/{s_turns}, "
          f"generated tokens: {b_tokens}/{s_tokens}")
    print(f"{label} batched {batched_s:.2f} s ({b_tokens / batched_s:.0f} tok/s), "
          f"sequential {sequential_s:.2f} s ({s_tokens / sequential_s:.0f} tok/s); "
          f"median of {repeats}, runs: {', '.join(f'{t:.2f}' for t in batched_times)} / "
          f"{', '.join(f'{t:.2f}' for t in sequential_times)}")
    # Normalise by tokens so any difference in episode length cannot favour either mode.
    speedup = (sequential_s / max(s_tokens, 1)) / (batched_s / max(b_tokens, 1))
    print(f"{label} speedup {speedup:.2f}x")
    return {
        "speedup": speedup,
        "batched_eps": n / batched_s,
        "sequential_eps": n / sequential_s,
    }


def compare_generate_only(model_name: str, n: int, max_new_tokens: int) -> float:
    """One batched generate of ``n`` short chat prompts vs ``n`` single calls: the decode-bound
    case, without the ~270-token TextWorld prompts whose prefill does not gain from batching."""
    policy = make_policy(model_name)
    batch = [[{"role": "user", "content": f"Tell me a fact about the number {i}."}]
             for i in range(n)]
    sampling = SamplingParams(temperature=1.0, max_new_tokens=max_new_tokens, seed=0)
    policy.generate(batch[:2], sampling)  # warm-up
    started = time.perf_counter()
    policy.generate(batch, sampling)
    batched_s = time.perf_counter() - started
    started = time.perf_counter()
    for messages in batch:
        policy.generate([messages], sampling)
    sequential_s = time.perf_counter() - started
    print(f"[{model_name}] generate only, {n} short prompts x {max_new_tokens} tokens: "
          f"batched {batched_s:.2f} s, sequential {sequential_s:.2f} s")
    return sequential_s / batched_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=16, help="Episodes (one env each).")
    parser.add_argument("--max-turns", type=int, default=3)
    parser.add_argument("--max-new-tokens", type=int, nargs="+", default=[16, 64],
                        help="Reply lengths to time (EOS disabled).")
    parser.add_argument("--group-size", type=int, nargs="+", default=[1, 4],
                        help="Rollouts per task in the batch (N / G tasks).")
    parser.add_argument("--temperature", type=float, default=1.0,
                        help="Sampling temperature of both modes (0 = greedy).")
    parser.add_argument("--model", default="small-llama",
                        help="small-llama (built here), tiny:llama, or a resolvable name.")
    parser.add_argument("--embedded-n", type=int, default=4,
                        help="Also time embedded:smollm2-135m on this many episodes "
                        "(G1, the first reply length); 0 skips.")
    parser.add_argument("--embedded-turns", type=int, default=2,
                        help="Turns per episode of the embedded-model comparison.")
    parser.add_argument("--generate-only-n", type=int, default=16,
                        help="Also time one batched generate of this many short prompts "
                        "(30 tokens) against single calls on the embedded model; 0 skips.")
    parser.add_argument("--repeats", type=int, default=3,
                        help="Timed runs per mode (alternating); figures are medians.")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads(),
                        help="torch CPU threads (default: torch's, one per core; 1 is "
                        "steadier on a busy CPU).")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{args.n} TextWorld easy episodes x {args.max_turns} turns, EOS disabled, "
          f"T={args.temperature}, torch threads={args.threads}")
    figures = {
        (group, tokens): compare(args.model, args.n, group, args.max_turns, tokens,
                                 args.temperature, args.repeats)
        for group in args.group_size
        for tokens in args.max_new_tokens
    }
    embedded = None
    if args.embedded_n:
        embedded = compare("embedded:smollm2-135m", args.embedded_n, 1, args.embedded_turns,
                           args.max_new_tokens[0], args.temperature)
    generate_only = None
    if args.generate_only_n:
        generate_only = compare_generate_only("embedded:smollm2-135m", args.generate_only_n, 30)
    if generate_only is not None:
        print(f"speedup_generate_only_embedded_n{args.generate_only_n}: {generate_only:.2f}")
    if embedded is not None:
        print(f"speedup_embedded_n{args.embedded_n}_G1_{args.max_new_tokens[0]}tok: "
              f"{embedded['speedup']:.2f}")
    for (group, tokens), figure in figures.items():
        print(f"episodes_per_s_batched_G{group}_{tokens}tok: {figure['batched_eps']:.3f}")
        print(f"episodes_per_s_sequential_G{group}_{tokens}tok: {figure['sequential_eps']:.3f}")
    for (group, tokens), figure in figures.items():
        print(f"speedup_batched_vs_sequential_G{group}_{tokens}tok: {figure['speedup']:.2f}")


if __name__ == "__main__":
    main()
