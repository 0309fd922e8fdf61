"""Scale-out on this machine: ALFWorld episodes per second with the envs in threads, in child
processes and in Ray actors (``rollout.env_workers``), and one update on 1 vs 2 ranks.

Env workers. The policy is ALFWorld's hand-coded expert replayed (each task's
`Env.demonstration`, computed once before timing), so no model runs and the env — its
PDDL engine and planner, CPU-bound Python — is what is timed. Each mode gets one runner on
the same tasks: a first rollout (it also starts the envs: forked processes, Ray actors) and
``repeats`` steady rollouts on the envs already started; episodes per second are of the
steady ones (median). Threads share one interpreter's GIL, so their steps run one at a
time; processes and actors use every core. The local Ray is started once for its mode
(``ray.init`` sized to the machine) and its start-up is reported apart.

Run alone: ``python benchmarks/scale_out.py [--games 4 --turns 8 --repeats 2]
[--section env|update|all]``. Timings on a CPU shared with other jobs are noisy: compare
the ratios of one run.

Measured on the 2-core CPU while other jobs kept it at load 13-26 (two runs, 4 tasks × 8
turns, 30 steps a rollout; `results/scale_out.txt`): Ray actors 1.85× and 1.42× the
episodes/s of threads, child processes 1.03× and 0.99×; first rollouts (envs starting)
28 / 46 / 44 s and 22 / 43 / 44 s (threads / processes / Ray), the local Ray's start
30-32 s on top. The env processes got little CPU here (0.85 CPU-s each for 6 steps in
7-12 s of wall time, stepping 4 at once); why processes gained nothing where actors did
was not pinned down on this loaded machine. No idle or multi-node machine was measured.

Update time (torch.distributed, gloo). Data parallel: the same fixed batch of sampled
trajectories, one `Trainer.update` (after a warm-up update), timed inside the ranks —
process start and model loading excluded. Each rank holds one torch thread, so 2 ranks use 2
cores where 1 rank uses 1.
"""

from __future__ import annotations

import argparse
import os
import pickle
import statistics
import tempfile
import time
import warnings
from functools import partial
from pathlib import Path
from typing import Any

import torch
import torch.multiprocessing as mp

from agentrl.core.registry import make
from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.parallel import SingleProcess, init_strategy
from agentrl.policy.base import Generation, Messages, SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.rollout.env_workers import wrap_env_factory
from agentrl.rollout.runner import RolloutOptions, RolloutRunner
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

ENV_WORKER_MODES = ("threads", "processes", "ray")


class ExpertReplay:
    """Replies each conversation's next expert action: the task is found by its instruction
    in the prompt, the turn by how often that task was asked (one episode per task)."""

    def __init__(self, demonstrations: dict[str, list[str]]) -> None:
        self.demonstrations = demonstrations
        self.turns: dict[str, int] = {}

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: Any = None) -> list[Generation]:
        """One ``<action>`` reply per conversation (``look`` once the expert is done)."""
        replies = []
        for messages in batch:
            said = " ".join(m["content"] for m in messages if m["role"] == "user")
            instruction = next(i for i in self.demonstrations if i in said)
            turn = self.turns.get(instruction, 0)
            self.turns[instruction] = turn + 1
            actions = self.demonstrations[instruction]
            action = actions[turn] if turn < len(actions) else "look"
            replies.append(Generation(text=f"<action>{action}</action>", prompt_ids=[1],
                                      token_ids=[2], logprobs=[0.0]))
        return replies


def expert_tasks(games: int) -> tuple[list[Task], dict[str, list[str]]]:
    """``games`` ALFWorld train tasks with distinct instructions, and their expert actions."""
    env = make("alfworld")
    try:
        tasks: list[Task] = []
        demonstrations: dict[str, list[str]] = {}
        for task in env.tasks("train"):
            if len(tasks) == games:
                break
            if any(task.instruction in i or i in task.instruction for i in demonstrations):
                continue
            demonstrations[task.instruction] = env.demonstration(task) or []
            tasks.append(task)
    finally:
        env.close()
    return tasks, demonstrations


def episodes_per_s(mode: str, tasks: list[Task], demonstrations: dict[str, list[str]],
                   turns: int, repeats: int) -> tuple[float, list[float], int]:
    """(first rollout s, steady episodes/s of each later rollout, steps per rollout)."""
    options = RolloutOptions(group_size=1, max_turns=turns, step_timeout_s=600,
                             env_workers=mode)  # the first resets start the envs
    factory = wrap_env_factory(partial(make, "alfworld"), options, mode, timeout_s=600)
    runner = RolloutRunner(factory, ExpertReplay(demonstrations), options)
    rates, first = [], 0.0
    try:
        for repeat in range(repeats + 1):
            runner.policy = ExpertReplay(demonstrations)  # each rollout replays from turn 0
            started = time.perf_counter()
            trajectories = runner.run(tasks, seed=repeat, progress=False)
            elapsed = time.perf_counter() - started
            errored = [t.error for t in trajectories if t.errored]
            assert not errored, f"{mode}: episodes errored: {errored[:2]}"
            if repeat == 0:
                first = elapsed
            else:
                rates.append(len(trajectories) / elapsed)
    finally:
        runner.close()
    return first, rates, sum(len(t.turns) for t in trajectories)


def env_worker_figures(games: int = 4, turns: int = 8, repeats: int = 2) -> dict[str, float]:
    """ALFWorld episodes/s per env-worker mode and their ratios (see the module doc)."""
    from agentrl.core.ray_env import connect_ray, machine_cpus, shutdown_ray

    warnings.filterwarnings("ignore", message=".*is not fully supported")
    started = time.perf_counter()
    tasks, demonstrations = expert_tasks(games)
    print(f"[env workers] {len(tasks)} ALFWorld tasks, expert actions in "
          f"{time.perf_counter() - started:.1f}s; {machine_cpus()} CPUs", flush=True)
    figures: dict[str, float] = {}
    for mode in ENV_WORKER_MODES:
        if mode == "ray":
            started = time.perf_counter()
            connect_ray()
            figures["ray_init_s"] = time.perf_counter() - started
        first, rates, steps = episodes_per_s(mode, tasks, demonstrations, turns, repeats)
        if mode == "ray":
            shutdown_ray()
        figures[f"{mode}_first_rollout_s"] = first
        figures[f"{mode}_episodes_per_s"] = statistics.median(rates)
        print(f"[env workers] {mode}: first rollout {first:.1f}s, then "
              f"{', '.join(f'{r:.3f}' for r in rates)} episodes/s ({steps} steps each)",
              flush=True)
    threads = figures["threads_episodes_per_s"]
    figures["processes_over_threads"] = figures["processes_episodes_per_s"] / threads
    figures["ray_over_threads"] = figures["ray_episodes_per_s"] / threads
    figures["ray_over_processes"] = (figures["ray_episodes_per_s"]
                                     / figures["processes_episodes_per_s"])
    return figures


# -- data parallel: one update on 1 vs 2 ranks ----------------------------------------------

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


def main() -> None:
    """Run the sections; headline figures last, as ``metric: value`` lines."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--games", type=int, default=4, help="ALFWorld tasks (one env each).")
    parser.add_argument("--turns", type=int, default=8, help="Turns per episode.")
    parser.add_argument("--repeats", type=int, default=2, help="Steady rollouts per mode.")
    parser.add_argument("--section", choices=("env", "update", "all"), default="all",
                        help="env workers, update time on 1 vs 2 ranks, or both.")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    figures: dict[str, float] = {}
    if args.section in ("env", "all"):
        figures |= env_worker_figures(args.games, args.turns, args.repeats)
    if args.section in ("update", "all"):
        figures |= data_parallel_section()
    for name, value in figures.items():
        print(f"{name}: {value:.3f}")


if __name__ == "__main__":
    main()
