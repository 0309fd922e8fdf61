"""agentrl against TRL on the same single-turn GRPO step, and against raw ``generate``.

1. **Update step.** The same model, the same prompt and batch (8 completions × 32 tokens,
   end-of-sequence disabled so every completion is 32 tokens), the same GRPO loss settings
   (clip 0.2, no KL, token-mean, group-normalised rewards, activation checkpointing on —
   TRL's default and agentrl's) and the same dtype on both sides (``--dtype``: float32, or
   bfloat16 = fp32 weights and optimizer state with bf16 autocast: agentrl's
   ``policy.dtype: bfloat16`` on a CPU, TRL's ``bf16=True`` on a CPU through accelerate).
   One step = sample the group, reward it, one optimizer step on it: agentrl's
   ``HFPolicy.generate_from_ids`` + ``Trainer.update`` against ``trl.GRPOTrainer`` (its
   ``training_step`` from step begin to step end, timed by a callback). Each side runs
   ``--steps`` steps; the median of all but the first (warm-up) is compared. agentrl reads
   the rollout / training mismatch it logs from the step's own forward pass.
2. **Rollout throughput.** agentrl's batched sampler against ``model.generate`` (sampling,
   ``min_new_tokens`` = ``max_new_tokens``) on the same prompts: the GRPO group (8 × one
   prompt) and 8 distinct prompts; tokens per second, medians of ``--repeats`` alternating
   runs.

    python benchmarks/vs_trl.py [--model embedded:smollm2-135m] [--steps 3] [--repeats 3]
                                [--dtype float32|bfloat16] [--skip-rollout]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch
from batched_rollout import FixedLengthPolicy

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.policy.base import SamplingParams
from agentrl.policy.precision import Precision
from agentrl.policy.resolve import load_model, load_tokenizer
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

GROUP, TOKENS, LR = 8, 32, 1e-6
PROMPTS = [f"Write a short list of {n} numbers, separated by spaces." for n in range(2, 10)]


def reward(text: str) -> float:
    """Share of characters that are digits or vowels: cheap, deterministic, and spread
    within a group even for a random model's text (so the loss is not 0)."""
    return sum(c.isdigit() or c in "aeiou" for c in text) / max(1, len(text))


def chat(tokenizer, prompt: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Token ids of ``prompt`` as one user message in the chat template."""
    return tokenizer.apply_chat_template([{"role": "user", "content": prompt}],
                                         add_generation_prompt=True, tokenize=True,
                                         return_dict=False)


def agentrl_steps(model_name: str, steps: int, dtype: str = "float32") -> list[float]:
    """Seconds per GRPO step (sample the group, reward, update) with agentrl."""
    torch.manual_seed(0)
    tokenizer = load_tokenizer(model_name)
    precision = Precision.of(dtype, "cpu")  # no LoRA: weights fp32, autocast under bf16
    policy = FixedLengthPolicy(load_model(model_name, dtype=precision.storage), tokenizer,
                               name=model_name, precision=precision)
    trainer = Trainer(
        policy, AlgorithmOptions(advantage="grpo", clip_low=0.2, clip_high=0.2),
        OptimOptions(lr=LR, minibatch_size=GROUP, micro_batch_size=GROUP, max_grad_norm=1.0),
    )
    sampling = SamplingParams(temperature=1.0, top_p=1.0, max_new_tokens=TOKENS)
    times = []
    for step in range(steps):
        prompt = PROMPTS[step % len(PROMPTS)]
        ids = chat(tokenizer, prompt)
        started = time.perf_counter()
        sampling.seed = step
        generations = policy.generate_from_ids([ids] * GROUP, sampling)
        task = Task(id=f"t{step}", env_id="single-turn", split="train", instruction=prompt)
        batch = [
            Trajectory(
                task=task, group_id=f"g{step}", outcome_reward=reward(g.text),
                turns=[Turn(observation=Observation(text=prompt, state_key="s"),
                            prompt_ids=ids, action_ids=g.token_ids,
                            action_logprobs=g.logprobs, response=g.text)],
            )
            for g in generations
        ]
        trainer.update(batch, iteration=step)
        times.append(time.perf_counter() - started)
    return times


def trl_steps(model_name: str, steps: int, dtype: str = "float32") -> list[float]:
    """Seconds per GRPO step with ``trl.GRPOTrainer`` (same model, batch and loss)."""
    from datasets import Dataset
    from transformers import TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    class StepTimer(TrainerCallback):
        def __init__(self) -> None:
            self.times: list[float] = []

        def on_step_begin(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            self.started = time.perf_counter()

        def on_step_end(self, args, state, control, **kwargs):  # type: ignore[no-untyped-def]
            self.times.append(time.perf_counter() - self.started)

    torch.manual_seed(0)
    tokenizer = load_tokenizer(model_name)
    tokenizer.padding_side = "left"
    model = load_model(model_name)
    data = Dataset.from_list([{"prompt": [{"role": "user", "content": p}]}
                              for p in PROMPTS[:steps]])
    config = GRPOConfig(
        output_dir="/tmp/agentrl-vs-trl", max_steps=steps, per_device_train_batch_size=GROUP,
        num_generations=GROUP, max_completion_length=TOKENS, learning_rate=LR, beta=0.0,
        epsilon=0.2, loss_type="dapo", scale_rewards="group", temperature=1.0, top_p=1.0,
        bf16=dtype == "bfloat16", use_cpu=True, gradient_checkpointing=True, report_to=[],
        save_strategy="no",
        logging_steps=1, max_grad_norm=1.0, seed=0, shuffle_dataset=False,
        generation_kwargs={"min_new_tokens": TOKENS}, disable_tqdm=True,
    )

    def digits(completions, **kwargs):  # type: ignore[no-untyped-def]
        return [reward(c[0]["content"] if isinstance(c, list) else c) for c in completions]

    timer = StepTimer()
    trainer = GRPOTrainer(model=model, reward_funcs=digits, args=config, train_dataset=data,
                          processing_class=tokenizer, callbacks=[timer])
    trainer.train()
    return timer.times


def rollout_rates(model_name: str, repeats: int) -> dict[str, tuple[float, float]]:
    """{shape: (agentrl tokens/s, generate tokens/s)} for the group and distinct prompts."""
    tokenizer = load_tokenizer(model_name)
    policy = FixedLengthPolicy(load_model(model_name).eval(), tokenizer, name=model_name)
    model = policy.model
    sampling = SamplingParams(temperature=1.0, top_p=1.0, max_new_tokens=TOKENS)
    shapes = {"group": [chat(tokenizer, PROMPTS[0])] * GROUP,
              "distinct": [chat(tokenizer, p) for p in PROMPTS[:GROUP]]}
    rates: dict[str, tuple[float, float]] = {}
    for shape, prompts in shapes.items():
        ours, raw = [], []
        width = max(len(p) for p in prompts)
        ids = torch.tensor([[tokenizer.pad_token_id] * (width - len(p)) + p for p in prompts])
        mask = (torch.arange(width) >= torch.tensor([width - len(p) for p in prompts])[:, None])
        for repeat in range(repeats + 1):  # the first round warms up, untimed
            sampling.seed = repeat
            started = time.perf_counter()
            out = policy.generate_from_ids(prompts, sampling)
            ours.append(sum(len(g.token_ids) for g in out) / (time.perf_counter() - started))
            policy.prefix_store.clear()
            started = time.perf_counter()
            with torch.no_grad():
                sequences = model.generate(
                    input_ids=ids, attention_mask=mask.long(), do_sample=True, temperature=1.0,
                    top_p=1.0, top_k=0, max_new_tokens=TOKENS, min_new_tokens=TOKENS,
                    pad_token_id=tokenizer.pad_token_id,
                )
            generated = (sequences.shape[1] - width) * len(prompts)
            raw.append(generated / (time.perf_counter() - started))
        rates[shape] = (statistics.median(ours[1:]), statistics.median(raw[1:]))
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="embedded:smollm2-135m")
    parser.add_argument("--steps", type=int, default=3, help="Steps per side (first: warm-up).")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--dtype", choices=("float32", "bfloat16"), default="float32",
                        help="The dtype of both sides' steps (bfloat16: autocast on a CPU).")
    parser.add_argument("--skip-rollout", action="store_true",
                        help="Only the update steps, not the rollout throughput.")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    warnings.filterwarnings("ignore")
    ours = agentrl_steps(args.model, args.steps, args.dtype)
    theirs = trl_steps(args.model, args.steps, args.dtype)
    rates = {} if args.skip_rollout else rollout_rates(args.model, args.repeats)
    ours_s, theirs_s = statistics.median(ours[1:] or ours), statistics.median(theirs[1:] or theirs)
    print(f"model {args.model}, {GROUP} completions x {TOKENS} tokens, {args.threads} threads, "
          f"{args.dtype} on both sides")
    print("agentrl step s:", " ".join(f"{t:.2f}" for t in ours))
    print("trl step s:    ", " ".join(f"{t:.2f}" for t in theirs))
    for shape, (a, g) in rates.items():
        print(f"rollout {shape}: agentrl {a:.0f} tok/s, model.generate {g:.0f} tok/s")
    print(f"agentrl_step_s: {ours_s:.3f}")
    print(f"trl_step_s: {theirs_s:.3f}")
    print(f"speedup_vs_trl: {theirs_s / ours_s:.2f}")
    for shape, (a, g) in rates.items():
        print(f"rollout_{shape}_vs_generate: {a / g:.2f}")


if __name__ == "__main__":
    main()
