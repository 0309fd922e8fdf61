"""This machine's limits, and how close the update and the decode come to them.

Measured in one run, so the figures share the machine's load:

1. **Peaks.** A square matmul (``--matmul`` = 2048) in fp32 and in bf16: GFLOP/s, the best
   of ``--repeats``. Memory bandwidth: the best of a sum over and a copy of a 512 MiB
   tensor, in GB/s (bytes read + written).
2. **Update.** One forward + backward of the policy's `score` (LoRA, activation
   checkpointing, as the trainer runs it) on ``--rows`` rows of a ``--prompt``-token prompt
   whose first ``--shared`` tokens are common to the rows (system prompt and task text)
   and ``--action`` action tokens: in fp32 and under bf16 autocast. The FLOPs are counted
   by ``torch.utils.flop_counter`` on the pass itself (the recompute of the checkpointed
   layers included; with the prefix shared, fewer FLOPs are done); "achieved" is that count
   over the time, "effective" the plain path's count (prefix not shared) over the time.
3. **Decode.** One token at a time after a prompt, batch 1 and batch ``--batch`` (the main
   job's), with the model rollouts decode with (under bf16 the plain merged snapshot,
   `agentrl.policy.decode_snapshot`): the seconds per step (the difference between a long
   and a short decode, over the extra steps), the bytes one step must read (every weight in
   its stored dtype, and the KV cache) over that time against the bandwidth, and tokens / s.

The headline figures are printed last, one per line, as ``metric: value``.

    python benchmarks/limits.py [--model embedded:smollm2-135m] [--rows 8] [--prompt 256]
                                [--shared 200] [--action 10] [--batch 8] [--repeats 3]
                                [--threads N]
"""

from __future__ import annotations

import argparse
import os
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from agentrl.policy.base import SamplingParams
from agentrl.policy.decoding import decode
from agentrl.policy.hf import HFPolicy
from agentrl.policy.memory import enable_activation_checkpointing
from agentrl.policy.options import LoraOptions
from agentrl.policy.precision import cpu_bf16_flags


def best_seconds(work, repeats: int) -> float:  # type: ignore[no-untyped-def]
    """The fastest of ``repeats`` timed calls of ``work`` (after one warm-up call)."""
    work()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def matmul_peak(size: int, dtype: torch.dtype, repeats: int) -> float:
    """GFLOP/s of a ``size`` × ``size`` matmul in ``dtype``."""
    a, b = torch.randn(size, size).to(dtype), torch.randn(size, size).to(dtype)
    return 2 * size**3 / best_seconds(lambda: a @ b, repeats) / 1e9


def bandwidth(repeats: int) -> float:
    """GB/s: the best of a sum (reads) and a copy (reads + writes) of 512 MiB."""
    source = torch.ones(128 * 2**20)
    target = torch.empty_like(source)
    nbytes = source.numel() * 4
    read = nbytes / best_seconds(lambda: source.sum(), repeats)
    copy_ = 2 * nbytes / best_seconds(lambda: target.copy_(source), repeats)
    return max(read, copy_) / 1e9


def update_pass(policy: HFPolicy, prompts: list[list[int]], actions: list[list[int]],
                share: bool) -> None:
    """One forward + backward of the trainer's loss shape over the rows."""
    policy.model.zero_grad(set_to_none=True)
    scores = policy.score(prompts, actions, share_prefix=share)
    (scores.logprobs * scores.mask).sum().backward()


def update_figures(policy: HFPolicy, args: argparse.Namespace) -> dict[str, float]:
    """Seconds and FLOPs of one update pass, shared prefix and plain."""
    common = list(range(1000, 1000 + args.shared))
    prompts = [common + list(range(2000 + 97 * r, 2000 + 97 * r + args.prompt - args.shared))
               for r in range(args.rows)]
    actions = [list(range(5000 + 11 * r, 5000 + 11 * r + args.action)) for r in range(args.rows)]
    figures = {}
    for share in (True, False):
        with FlopCounterMode(display=False) as counter:
            update_pass(policy, prompts, actions, share)
        name = "shared" if share else "plain"
        figures[f"{name}_flops"] = counter.get_total_flops()
        figures[f"{name}_s"] = best_seconds(
            lambda share=share: update_pass(policy, prompts, actions, share), args.repeats)
    return figures


def decode_figures(policy: HFPolicy, batch: int, args: argparse.Namespace) -> dict[str, float]:
    """Seconds per decode step at ``batch`` rows and the bytes a step reads."""
    prompts = [list(range(1000 + 7 * r, 1000 + 7 * r + 64)) for r in range(batch)]

    decoder, context = policy.decoder()  # under bf16: the plain snapshot rollouts use

    def run(tokens: int) -> None:
        sampling = SamplingParams(max_new_tokens=tokens, temperature=1.0, seed=0)
        with torch.no_grad(), context:
            decode(decoder, prompts, sampling, pad_id=0, eos_ids=set())

    short, long = 4, 4 + args.steps
    step = (best_seconds(lambda: run(long), args.repeats)
            - best_seconds(lambda: run(short), args.repeats)) / args.steps
    weights = sum(p.numel() * p.element_size() for p in decoder.parameters())
    config = decoder.config
    heads = config.num_key_value_heads * (config.hidden_size // config.num_attention_heads)
    kv_dtype = 2 if policy.precision.autocast or policy.precision.storage != torch.float32 else 4
    average_length = 64 + (short + long) / 2
    kv = 2 * config.num_hidden_layers * heads * average_length * batch * kv_dtype
    return {"step_s": step, "bytes": weights + kv, "tokens_per_s": batch / step}


def load(args: argparse.Namespace, dtype: str) -> HFPolicy:
    """The policy in ``dtype`` with LoRA, in training mode, checkpointing on."""
    policy = HFPolicy.from_name(args.model, dtype=dtype, lora=LoraOptions())
    enable_activation_checkpointing(policy.model)
    policy.model.train()
    return policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded:smollm2-135m")
    parser.add_argument("--rows", type=int, default=8)
    parser.add_argument("--prompt", type=int, default=256)
    parser.add_argument("--shared", type=int, default=200)
    parser.add_argument("--action", type=int, default=10)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--steps", type=int, default=16, help="extra decode steps timed")
    parser.add_argument("--matmul", type=int, default=2048)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's); 1 on a machine others share")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"threads {torch.get_num_threads()}, bf16 flags {cpu_bf16_flags() or 'none'}, "
          f"load {os.getloadavg()[0]:.2f}", flush=True)
    peak = {name: matmul_peak(args.matmul, dtype, args.repeats)
            for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16))}
    bw = bandwidth(args.repeats)
    print(f"matmul {args.matmul}²: fp32 {peak['fp32']:.0f} GFLOP/s, bf16 {peak['bf16']:.0f} "
          f"GFLOP/s; bandwidth {bw:.1f} GB/s", flush=True)
    update, decoded = {}, {}
    for name, dtype in (("fp32", "float32"), ("bf16", "bfloat16")):
        policy = load(args, dtype)
        update[name] = update_figures(policy, args)
        policy.model.eval()
        decoded[name] = {batch: decode_figures(policy, batch, args) for batch in (1, args.batch)}
        u = update[name]
        print(f"{name} update ({args.rows} × {args.prompt}+{args.action}, {args.shared} shared): "
              f"shared {u['shared_s']:.2f} s ({u['shared_flops'] / 1e9:.0f} GFLOP), "
              f"plain {u['plain_s']:.2f} s ({u['plain_flops'] / 1e9:.0f} GFLOP)", flush=True)
        for batch, d in decoded[name].items():
            print(f"{name} decode batch {batch}: {d['step_s'] * 1e3:.1f} ms/step, "
                  f"{d['bytes'] / 1e6:.0f} MB/step, {d['tokens_per_s']:.1f} tokens/s", flush=True)
        del policy
    print(f"load after: {os.getloadavg()[0]:.2f}")
    for name in ("fp32", "bf16"):
        u = update[name]
        achieved = u["shared_flops"] / u["shared_s"] / 1e9
        print(f"update_{name}_achieved_gflops: {achieved:.1f}")
        print(f"update_{name}_plain_path_gflops: {u['plain_flops'] / u['plain_s'] / 1e9:.1f}")
        print(f"update_{name}_fraction_of_{name}_peak: {achieved / peak[name]:.2f}")
        print(f"update_{name}_effective_fraction_of_{name}_peak: "
              f"{u['plain_flops'] / u['shared_s'] / 1e9 / peak[name]:.2f}")
        print(f"update_{name}_shared_prefix_speedup: {u['plain_s'] / u['shared_s']:.2f}")
        one = decoded[name][1]
        print(f"decode_{name}_batch1_fraction_of_bandwidth: "
              f"{one['bytes'] / one['step_s'] / 1e9 / bw:.2f}")
        print(f"decode_{name}_batch{args.batch}_over_batch1_throughput: "
              f"{decoded[name][args.batch]['tokens_per_s'] / one['tokens_per_s']:.2f}")
    print(f"update_bf16_over_fp32: {update['fp32']['shared_s'] / update['bf16']['shared_s']:.2f}")
    print(f"decode_batch1_bf16_over_fp32: "
          f"{decoded['fp32'][1]['step_s'] / decoded['bf16'][1]['step_s']:.2f}")
    print(f"matmul_bf16_over_fp32: {peak['bf16'] / peak['fp32']:.2f}")


if __name__ == "__main__":
    main()
