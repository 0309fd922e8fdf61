"""Rollouts with the ``hf`` and the ``vllm`` backend side by side, and the weight sync's share
of a training iteration.

The same TextWorld (easy) batch — N episodes, one per task, the same tasks, env seeds,
prompts and sampling settings — is rolled out by `RolloutRunner` with the trained
`HFPolicy` itself and with a `VLLMPolicy` engine built from the same weights. The modes
alternate ``--repeats`` times and the medians are compared. Replies stop at end-of-sequence
in both, and the two backends draw different random streams, so episodes may differ in
length: the figure compared is generated tokens per second of rollout wall time (env steps
and prompt building included, the same code in both). Then one training iteration with
vLLM is timed: rollout, `Trainer.update` on that batch, `VLLMPolicy.sync_weights`
(safetensors written + engine reload + prefix-cache reset), and the sync's share of it.

    python benchmarks/rollout_backends.py [--model tiny:llama-hd64 embedded:smollm2-135m]
                                          [--n 16] [--max-turns 3] [--max-new-tokens 16]
                                          [--repeats 2] [--threads 1]
                                          [--device cuda --dtype bfloat16]   # a GPU

On a GPU pass a local 0.5-1.5B model folder as ``--model`` (nothing is downloaded).

Measured on this 2-core CPU while shared with other jobs (load average ~17), 16 episodes
x 3 turns, 16 new tokens, T = 1, torch threads 1, float32, medians of 2 alternating runs:

    model                  hf tok/s  vllm tok/s  vllm/hf  engine start  sync    sync share
    tiny:llama-hd64           455       103       0.23       56 s       636 ms    6.6 %
    embedded:smollm2-135m      12.4      10.5     0.85       62 s      5.8 s      1.2 %

(the iteration: vLLM rollout 3.7 s + update 5.2 s + sync for the tiny model; 92 s + 408 s
+ 5.8 s for SmolLM2-135M, whose sync writes and reloads 0.5 GB of float32 weights). On a
CPU vLLM does not beat the transformers backend here: the tiny model's step is dominated
by vLLM's per-step scheduling and its engine process competing for the two cores, and on
the 135M model both are compute-bound (an earlier measurement on a quieter machine found
vLLM ~1.2x transformers' plain ``generate``, which agentrl's own decoding already beats).
vLLM's speed is a GPU matter; on a CPU this
backend exists so that the GPU path's code runs in CI. No GPU was available to measure one.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

import agentrl
from agentrl.core.types import Task, Trajectory
from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.policy.vllm_backend import VLLMOptions, VLLMPolicy
from agentrl.rollout.prompts import PromptOptions
from agentrl.rollout.runner import RolloutOptions, RolloutRunner
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

ENV_KWARGS = {"difficulty": "easy", "tasks_per_split": {"train": 16, "valid": 4, "heldout": 4}}


def make_options(max_turns: int, max_new_tokens: int) -> RolloutOptions:
    """The same rollout options for both backends."""
    return RolloutOptions(
        group_size=1, max_turns=max_turns, lenient_parsing=True,
        sampling=SamplingParams(temperature=1.0, top_p=1.0, max_new_tokens=max_new_tokens),
        prompt=PromptOptions(history="last_k", k=1, max_actions_shown=8),
    )


def generated_tokens(trajectories: list[Trajectory]) -> int:
    """Sampled action tokens over ``trajectories``."""
    return sum(len(turn.action_ids) for t in trajectories for turn in t.turns)


def timed_rollout(runner: RolloutRunner, tasks: list[Task]) -> tuple[float, list[Trajectory]]:
    """(seconds, trajectories) of one batched rollout, seeded the same every time."""
    started = time.perf_counter()
    trajectories = runner.run(tasks, seed=0, progress=False)
    return time.perf_counter() - started, trajectories


def compare(model: str, args: argparse.Namespace) -> dict[str, float]:
    """Both backends on the same batch of ``model``; then one vLLM training iteration."""
    policy = HFPolicy.from_name(model, device=args.device, dtype=args.dtype, max_batch_size=64)
    started = time.perf_counter()
    engine = VLLMPolicy.from_trained(policy, VLLMOptions(kv_cache_gib=args.kv_cache_gib),
                                     dtype=args.dtype)
    engine_start_s = time.perf_counter() - started
    env = agentrl.make("textworld", **ENV_KWARGS)
    tasks = list(env.tasks("train"))[: args.n]
    env.close()

    def make_env() -> agentrl.Env:
        return agentrl.make("textworld", max_turns=args.max_turns, **ENV_KWARGS)

    options = make_options(args.max_turns, args.max_new_tokens)
    runners = {"hf": RolloutRunner(make_env, policy, options),
               "vllm": RolloutRunner(make_env, engine, options)}
    times: dict[str, list[float]] = {"hf": [], "vllm": []}
    tokens: dict[str, list[int]] = {"hf": [], "vllm": []}
    try:
        for runner in runners.values():  # warm-up: creates the envs, warms the kernels
            runner.options = make_options(1, 2)
            runner.run(tasks, seed=0, progress=False)
            runner.options = options
        for _ in range(args.repeats):  # alternating, so load changes hit both alike
            for name, runner in runners.items():
                seconds, trajectories = timed_rollout(runner, tasks)
                times[name].append(seconds)
                tokens[name].append(generated_tokens(trajectories))
        trainer = Trainer(policy, AlgorithmOptions(), OptimOptions(lr=1e-5))
        rollout_s, batch = timed_rollout(runners["vllm"], tasks)
        started = time.perf_counter()
        trainer.update(batch)
        update_s = time.perf_counter() - started
        engine.sync_weights(policy.model)
        sync_s = engine.last_sync_s
    finally:
        for runner in runners.values():
            runner.close()
        engine.close()
    rate = {name: statistics.median(t / s for t, s in zip(tokens[name], times[name],
                                                          strict=True))
            for name in times}
    iteration_s = rollout_s + update_s + sync_s
    label = f"[{model} {args.n} episodes x {args.max_turns} turns, {args.max_new_tokens} tok]"
    for name in times:
        print(f"{label} {name}: {', '.join(f'{s:.2f}' for s in times[name])} s, "
              f"tokens {', '.join(map(str, tokens[name]))}, median {rate[name]:.0f} tok/s")
    print(f"{label} engine start {engine_start_s:.0f} s; iteration with vllm: rollout "
          f"{rollout_s:.2f} s + update {update_s:.2f} s + sync {sync_s * 1e3:.0f} ms")
    return {"hf_tokens_per_s": rate["hf"], "vllm_tokens_per_s": rate["vllm"],
            "vllm_over_hf": rate["vllm"] / rate["hf"], "engine_start_s": engine_start_s,
            "sync_ms": sync_s * 1e3, "sync_fraction_of_iteration": sync_s / iteration_s}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", nargs="+", default=["tiny:llama-hd64",
                                                       "embedded:smollm2-135m"],
                        help="Models to compare (vLLM on CPU needs head_dim 64).")
    parser.add_argument("--n", type=int, default=16, help="Episodes (one task each).")
    parser.add_argument("--max-turns", type=int, default=3)
    parser.add_argument("--max-new-tokens", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=2,
                        help="Timed rollouts per backend (alternating); figures are medians.")
    parser.add_argument("--device", default="cpu", help="cpu, or cuda on a GPU machine.")
    parser.add_argument("--dtype", default="float32", help="float32, or bfloat16 on a GPU.")
    parser.add_argument("--kv-cache-gib", type=int, default=1, help="vLLM's CPU KV cache.")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads of the hf side (1 is steadier on a busy CPU).")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    figures = {model: compare(model, args) for model in args.model}
    for model, values in figures.items():
        short = model.split(":")[-1].split("/")[-1]
        for key, value in values.items():
            print(f"{key}_{short}: {value:.3g}")


if __name__ == "__main__":
    main()
