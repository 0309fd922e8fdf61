"""Scale-out: the update of one batch on 1 rank vs 2 ranks (torch.distributed, gloo).

Data parallel: the same fixed batch of sampled trajectories, one `Trainer.update` (after a
warm-up update), timed inside the ranks — process start and model loading excluded. Each
rank holds one torch thread, so 2 ranks use 2 cores where 1 rank uses 1. The env-worker
figures (threads / processes / Ray) have their own section, merged into `main`.

On this shared 2-core machine the timings are noisy (other jobs run beside them); read the
ratio, not the seconds. Run: ``python benchmarks/scale_out.py`` (a minute or two).
"""

from __future__ import annotations

import os
import pickle
import tempfile
import time
from pathlib import Path

import torch
import torch.multiprocessing as mp

from agentrl.algos.trainer import AlgorithmOptions, OptimOptions, Trainer
from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.run.distributed import SingleProcess, init_strategy

MODEL = "tiny:llama-hd64"
TRAJECTORIES, TURNS, TOKENS = 16, 2, 24
OPTIM = OptimOptions(lr=1e-4, minibatch_size=TRAJECTORIES * TURNS, micro_batch_size=4)


def fixed_batch() -> list[Trajectory]:
    """``TRAJECTORIES`` trajectories of ``TURNS`` turns in groups of 4, tokens sampled."""
    torch.set_num_threads(1)
    policy = HFPolicy.from_name(MODEL)
    prompts = [[1, *range(30 + i, 60 + i), 40 + t] for i in range(TRAJECTORIES)
               for t in range(TURNS)]
    generations = policy.generate_from_ids(
        prompts, SamplingParams(max_new_tokens=TOKENS, seed=0))
    return [
        Trajectory(
            task=Task(id=f"task-{i // 4}", env_id="toy"), group_id=f"g{i // 4}",
            outcome_reward=float(i % 3 == 0),
            turns=[Turn(observation=Observation(text="o", state_key=f"s{t}"), action="a",
                        prompt_ids=g.prompt_ids, action_ids=g.token_ids,
                        action_logprobs=g.logprobs, state_key=f"s{t}")
                   for t, g in enumerate(generations[i * TURNS : (i + 1) * TURNS])],
        )
        for i in range(TRAJECTORIES)
    ]


def timed_update(batch: list[Trajectory], parallel: SingleProcess) -> float:
    """Seconds of one `Trainer.update` on ``batch`` after one warm-up update."""
    policy = HFPolicy.from_name(MODEL)
    trainer = Trainer(policy, AlgorithmOptions(advantage="grpo"), OPTIM, parallel=parallel)
    trainer.update([t.model_copy(deep=True) for t in batch])
    parallel.barrier()
    started = time.perf_counter()
    trainer.update([t.model_copy(deep=True) for t in batch])
    parallel.barrier()
    return time.perf_counter() - started


def _rank(rank: int, world: int, strategy: str, folder: str) -> None:
    torch.set_num_threads(1)
    parallel: SingleProcess = SingleProcess()
    if world > 1:
        parallel = init_strategy(strategy, init_method=f"file://{folder}/rendezvous",
                                 rank=rank, world_size=world, timeout_s=600)
    batch = pickle.loads(Path(folder, "batch.pkl").read_bytes())
    seconds = timed_update(batch, parallel)
    if parallel.is_main:
        Path(folder, f"seconds-{world}").write_text(str(seconds))
    parallel.close()


def update_time(ranks: int, batch: list[Trajectory], strategy: str = "ddp") -> float:
    """Seconds of one update of ``batch`` on ``ranks`` spawned processes."""
    with tempfile.TemporaryDirectory(prefix="scale-out-") as folder:
        Path(folder, "batch.pkl").write_bytes(pickle.dumps(batch))
        mp.spawn(_rank, args=(ranks, strategy, folder), nprocs=ranks, join=True)
        return float(Path(folder, f"seconds-{ranks}").read_text())


def data_parallel_section() -> dict[str, float]:
    """Update time of the same batch on 1 vs 2 ranks (ddp over gloo)."""
    batch = fixed_batch()
    one, two = update_time(1, batch), update_time(2, batch)
    print(f"update of {TRAJECTORIES * TURNS} turns x {TOKENS} tokens ({MODEL}): "
          f"1 rank {one:.2f}s, 2 ranks {two:.2f}s", flush=True)
    return {"update_time_1rank_s": one, "update_time_2ranks_s": two,
            "update_speedup_2ranks": one / two}


# -- env workers (threads / processes / Ray): section merged here by its own change ---------


def main() -> None:
    """Run every section; headline figures last, as ``metric: value`` lines."""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    figures: dict[str, float] = {}
    figures |= data_parallel_section()
    for key, value in figures.items():
        print(f"{key}: {value:.3f}")


if __name__ == "__main__":
    main()
