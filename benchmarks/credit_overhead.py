"""Cost of each advantage estimator relative to one policy update step.

Times every registered estimator on 1,024 trajectories × 50 turns (groups of 8, state keys
and actions drawn from small sets so GiGPO's anchor groups and SALT's graph nodes are real)
against one forward + backward + optimizer step of a tiny Llama on 64 × 128 tokens.
Prints ``overhead_pct_<name>: X`` = 100 · t_estimator / t_update last (target < 2 %).

Run: ``python benchmarks/credit_overhead.py [--trajectories N] [--turns T] [--repeats R]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from agentrl.algos import get_advantage, list_advantages
from agentrl.core.types import Observation, Task, Trajectory, Turn

OPTIONS = {"reinforce++": {"kl_coef": 0.01}}


def make_batch(n_traj: int, n_turns: int, group_size: int, seed: int) -> list[Trajectory]:
    """Random trajectories with values, KL and rewards on every turn."""
    rng = random.Random(seed)
    keys = [f"state-{k}" for k in range(12)]
    actions = [f"action-{a}" for a in range(4)]
    batch = []
    for i in range(n_traj):
        turns = []
        for _ in range(n_turns):
            key = rng.choice(keys)
            turns.append(Turn(
                observation=Observation(text=key, state_key=key),
                action=rng.choice(actions),
                reward=rng.random() * 0.1,
                info={"value": rng.random(), "kl": rng.random() * 0.01, "action_valid": True},
                state_key=key,
            ))
        batch.append(Trajectory(
            task=Task(id=f"t{i // group_size}", env_id="bench"), turns=turns,
            outcome_reward=float(rng.random() < 0.5), group_id=f"g{i // group_size}",
        ))
    return batch


def timed(fn: Callable[[], object]) -> float:
    """Wall time of one call of ``fn``."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def update_step_fn(batch_size: int, seq_len: int) -> Callable[[], None]:
    """One forward + backward + AdamW step of the tiny Llama of the brief."""
    torch.manual_seed(0)
    config = LlamaConfig(vocab_size=1024, hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=4)
    model = LlamaForCausalLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(0, config.vocab_size, (batch_size, seq_len))

    def step() -> None:
        loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=1024)
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    batch = make_batch(args.trajectories, args.turns, args.group_size, seed=0)
    update = update_step_fn(64, 128)
    estimators = {name: get_advantage(name) for name in list_advantages()}
    update()  # warm-up
    updates: list[float] = []
    timings: dict[str, list[float]] = {name: [] for name in estimators}
    ratios: dict[str, list[float]] = {name: [] for name in estimators}
    for _ in range(args.repeats):  # interleaved, so load changes hit both sides alike
        updates.append(timed(update))
        for name, estimator in estimators.items():
            options = OPTIONS.get(name, {})
            seconds = timed(lambda e=estimator, o=options: e(batch, **o))
            timings[name].append(seconds)
            ratios[name].append(seconds / updates[-1])
    print(f"batch: {args.trajectories} trajectories x {args.turns} turns")
    print(f"update_step_s: {statistics.median(updates):.4f}")
    for name, samples in timings.items():
        print(f"estimator_s_{name}: {statistics.median(samples):.4f}")
    for name, samples in ratios.items():
        print(f"overhead_pct_{name}: {100 * statistics.median(samples):.2f}")


if __name__ == "__main__":
    main()
