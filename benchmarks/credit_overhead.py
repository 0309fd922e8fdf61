"""Cost of each advantage estimator relative to one policy update step.

Times every registered estimator on 1,024 trajectories × 50 turns (groups of 8, state keys
and actions drawn from small sets so GiGPO's anchor groups and SALT's graph nodes are real,
16 action tokens per turn) against agentrl's update step on such a batch (``Trainer.update``
with the tests' tiny model), and against single optimizer steps (below). REINFORCE++ runs
twice: ``reinforce++`` with the KL per turn (``level="turn"``) and ``reinforce++tok`` with
the KL per token (the default).

What is timed per estimator, end to end: ``get_advantage(name)(trajectories, **options)``
on the ``list[Trajectory]``: building the columnar view (``TurnBatch``: reading the
pydantic ``Turn`` fields the estimator needs), the arithmetic, and the output lists. No model
runs inside an estimator: GAE reads the critic's V(s_t) already written to
``turn.info["value"]`` and SPA the progress rewards already in ``turn.reward``, so the
critic forward pass and the progress model are not in these figures (they are shaping /
critic stages of the update). Three timings per estimator: ``total`` = that call on the
list (view build + every field read + arithmetic + output lists); ``pipeline`` = the
estimator as the trainer runs it: the view built once after the stages, the columns those
stages wrote (the critic's values, the reference KL per turn and per token) handed in with
``TurnBatch.put``, so only the turns' own fields (reward, state key, action, token counts)
are read; ``arith`` = the call on a view whose columns are all read (arithmetic + output
lists). Also printed: ``lists_s`` = the output lists alone, and
``read_one_field`` = reading one float field (``turn.reward``) of every turn: the floor of
any estimator that reads per-turn data from ``Turn`` objects.
Three denominators. The headline, ``update_pct_<name>`` = 100 · t_pipeline / t_update:
t_update is agentrl's update step itself, ``Trainer.update`` on a batch of this shape (the
trainer module's "update step: rewards → advantages → loss → optimizer, on one batch of
episodes"; the estimator runs once per update) at the trainer's defaults on the tests' model
``tiny:llama`` (2 layers of width 64, the embedded model's 49k vocabulary), each turn 96
prompt + 16 action tokens. It is timed on ``--update-trajectories`` trajectories and
scaled to the batch's turns (the update is a loop over fixed-size minibatches of 32 turns;
``--update-trajectories 1024`` times the whole batch). Two stricter readings, one optimizer
step instead of the update: ``trainer_step_pct_<name>`` = 100 · t_pipeline / one minibatch
step of the same trainer (32 turns of 96 prompt + 32 action tokens, micro-batches of 4);
``pipeline_pct_<name>`` = 100 · t_pipeline / t_step and ``overhead_pct_<name>`` =
100 · t_total / t_step, t_step one forward + backward + AdamW step of the tiny Llama above on
ONE minibatch of 64 × 128 tokens (its 1,024-token vocabulary makes it the cheapest step).

Run: ``python benchmarks/credit_overhead.py [--trajectories N] [--turns T] [--repeats R]
[--update-trajectories U]``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections.abc import Callable
from functools import partial
from operator import attrgetter

import numpy as np
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.credit import get_advantage, list_advantages
from agentrl.credit.advantages.batch import TurnBatch

TOKENS_PER_TURN = 16
# label -> (estimator, options); REINFORCE++ twice: KL per turn, and per token (the default)
CASES: dict[str, tuple[str, dict]] = {
    "reinforce++": ("reinforce++", {"kl_coef": 0.01, "level": "turn"}),
    "reinforce++tok": ("reinforce++", {"kl_coef": 0.01}),
}


def make_batch(n_traj: int, n_turns: int, group_size: int, seed: int) -> list[Trajectory]:
    """Random trajectories with values, KL (per turn and per token) and rewards on every
    turn, each turn 16 action tokens."""
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
                info={"value": rng.random(), "kl": rng.random() * 0.01, "action_valid": True,
                      "token_kl": [rng.random() * 0.001] * TOKENS_PER_TURN},
                state_key=key, action_ids=list(range(TOKENS_PER_TURN)),
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


# the columns the trainer's stages write for an estimator and hand its view: the critic's
# values (gae), the reference KL per turn (reinforce++ level="turn") and per token (default)
HANDED = {"gae": ("value", False), "reinforce++": ("kl", False),
          "reinforce++tok": ("token_kl", True)}


def produced_columns(batch: list[Trajectory], label: str) -> dict[str, tuple[np.ndarray, bool]]:
    """The columns the trainer would hand the view for estimator ``label``, read here once,
    outside the timings."""
    if label not in HANDED:
        return {}
    key, per_token = HANDED[label]
    view = TurnBatch.build(batch)
    values = view.token_info(key, "", "") if per_token else view.info(key, "", "")
    return {key: (values, per_token)}


def trainer_view(batch: list[Trajectory],
                 handed: dict[str, tuple[np.ndarray, bool]]) -> TurnBatch:
    """The view as the trainer builds it: after the stages, with their columns handed in."""
    view = TurnBatch.build(batch)
    for key, (values, per_token) in handed.items():
        view.put(key, values, per_token=per_token)
    return view


def trainer_step_fn(turns: int, prompt_len: int, action_len: int) -> Callable[[], None]:
    """One optimizer step of agentrl's own trainer at its defaults (minibatch of ``turns``
    turns, micro-batches of 4) on the project's tiny test model ``tiny:llama``."""
    from agentrl.policy.hf import HFPolicy
    from agentrl.update.samples import TurnSample
    from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

    policy = HFPolicy.from_name("tiny:llama")
    trainer = Trainer(policy, AlgorithmOptions(), OptimOptions(minibatch_size=turns))
    rng = random.Random(0)
    vocab = policy.model.config.vocab_size
    samples = [TurnSample(prompt_ids=[rng.randrange(vocab) for _ in range(prompt_len)],
                          action_ids=[rng.randrange(vocab) for _ in range(action_len)],
                          old_logprobs=[-10.0] * action_len, advantage=rng.gauss(0.0, 1.0),
                          turn_index=0, trajectory_index=i) for i in range(turns)]
    policy.model.train()
    return lambda: trainer._optimizer_step(samples, 0.0)


def trainer_update_fn(n_traj: int, n_turns: int, group_size: int,
                      prompt_len: int) -> Callable[[], None]:
    """agentrl's update step itself, ``Trainer.update`` (the module's "update step: rewards →
    advantages → loss → optimizer, on one batch of episodes") at its defaults (grpo, one
    epoch over the batch in minibatches of 32 turns, micro-batches of 4) with ``tiny:llama``
    on a batch of this benchmark's shape, each turn given ``prompt_len`` random prompt ids
    besides its 16 action ids."""
    from agentrl.policy.hf import HFPolicy
    from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

    policy = HFPolicy.from_name("tiny:llama")
    trainer = Trainer(policy, AlgorithmOptions(), OptimOptions())
    rng = random.Random(1)
    vocab = policy.model.config.vocab_size
    batch = make_batch(n_traj, n_turns, group_size, seed=1)
    for trajectory in batch:
        for turn in trajectory.turns:
            turn.prompt_ids = [rng.randrange(vocab) for _ in range(prompt_len)]
            turn.action_logprobs = [-10.0] * TOKENS_PER_TURN
    trainer.update(batch[:group_size])  # warm-up: first-call allocations
    return lambda: trainer.update(batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trajectories", type=int, default=1024)
    parser.add_argument("--turns", type=int, default=50)
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--update-trajectories", type=int, default=64,
                        help="trajectories (of --turns turns) of the timed Trainer.update; "
                             "its time is scaled to the full batch by turn count (the update "
                             "is a loop over fixed-size minibatches); equal to --trajectories "
                             "it times the whole batch's update (~6 min here)")
    args = parser.parse_args()
    torch.set_num_threads(max(1, min(2, torch.get_num_threads())))
    batch = make_batch(args.trajectories, args.turns, args.group_size, seed=0)
    update = update_step_fn(64, 128)
    cases = {name: (name, {}) for name in list_advantages()} | CASES
    estimators = {label: partial(get_advantage(name), **options)
                  for label, (name, options) in cases.items()}
    trainer_step = trainer_step_fn(32, 96, 32)
    update()  # warm-ups
    trainer_step()
    trainer_steps = [timed(trainer_step) for _ in range(3)]
    handed = {name: produced_columns(batch, name) for name in estimators}
    updates: list[float] = []
    timings: dict[str, list[float]] = {name: [] for name in estimators}
    ratios: dict[str, list[float]] = {name: [] for name in estimators}
    pipeline: dict[str, list[float]] = {name: [] for name in estimators}
    arith: dict[str, list[float]] = {name: [] for name in estimators}
    for _ in range(args.repeats):  # interleaved, so load changes hit both sides alike
        updates.append(timed(update))
        for name, estimator in estimators.items():
            seconds = timed(lambda e=estimator: e(batch))
            timings[name].append(seconds)
            ratios[name].append(seconds / updates[-1])
            pipeline[name].append(timed(
                lambda e=estimator, h=handed[name]: e(trainer_view(batch, h))))
    for name, estimator in estimators.items():
        view = TurnBatch.build(batch)
        estimator(view)  # reads the columns it needs once; they stay on the view
        for _ in range(args.repeats):
            arith[name].append(timed(lambda e=estimator, v=view: e(v)))
    view = TurnBatch.build(batch)
    turns = view.flat_turns
    one_field = statistics.median(  # the floor of any estimator reading a per-turn field
        timed(lambda: np.fromiter(map(attrgetter("reward"), turns), float, len(turns)))
        for _ in range(args.repeats))
    full = np.zeros(view.mask.shape)
    lists = statistics.median(timed(lambda: view.scatter(full)) for _ in range(args.repeats))
    update_s = statistics.median(updates)
    print(f"batch: {args.trajectories} trajectories x {args.turns} turns; each estimator "
          "call (total: on list[Trajectory]; pipeline: as the trainer runs it; arith: columns "
          "already read) against agentrl's update step on this batch (Trainer.update, "
          "tiny:llama; update_pct), one optimizer step of that trainer (32 turns; "
          "trainer_step_pct) and one fwd + bwd + AdamW step of a 1024-vocab tiny Llama on "
          "64 x 128 tokens (total_pct, pipeline_pct); no critic / progress-model forward "
          "pass inside estimators")
    print(f"{'estimator':<15} {'total_ms':>9} {'pipeline_ms':>12} {'arith_ms':>9} "
          f"{'total_pct':>10} {'pipeline_pct':>13}")
    for name, samples in timings.items():
        total, inside = statistics.median(samples), statistics.median(pipeline[name])
        print(f"{name:<15} {1000 * total:9.2f} {1000 * inside:12.2f} "
              f"{1000 * statistics.median(arith[name]):9.2f} "
              f"{100 * statistics.median(ratios[name]):10.2f} "
              f"{100 * inside / statistics.median(updates):13.2f}")
    print(f"lists_s (output lists of a full {view.mask.shape[0]} x {view.mask.shape[1]} "
          f"matrix, inside arith): {lists:.4f}")
    print(f"update_step_s: {update_s:.4f}")
    print(f"read_one_field_s: {one_field:.4f}")
    print(f"read_one_field_pct: {100 * one_field / update_s:.2f}")
    for name, samples in timings.items():
        print(f"estimator_s_{name}: {statistics.median(samples):.4f}")
    for name in estimators:
        print(f"arith_pct_{name}: {100 * statistics.median(arith[name]) / update_s:.2f}")
    trainer_s = statistics.median(trainer_steps)
    print(f"trainer_step_s: {trainer_s:.4f}")
    for name, samples in pipeline.items():
        print(f"trainer_step_pct_{name}: {100 * statistics.median(samples) / trainer_s:.2f}")
    for name, samples in pipeline.items():
        print(f"pipeline_pct_{name}: {100 * statistics.median(samples) / update_s:.2f}")
    for name, samples in ratios.items():
        print(f"overhead_pct_{name}: {100 * statistics.median(samples):.2f}")
    update_batch = trainer_update_fn(args.update_trajectories, args.turns, args.group_size,
                                     prompt_len=96)
    update_turns = args.update_trajectories * args.turns
    measured = timed(update_batch)
    full_update = measured * (args.trajectories * args.turns) / update_turns
    print(f"trainer_update_measured_turns: {update_turns}")
    print(f"trainer_update_measured_s: {measured:.2f}")
    print(f"trainer_update_s: {full_update:.1f}")
    for name, samples in pipeline.items():
        print(f"update_pct_{name}: {100 * statistics.median(samples) / full_update:.4f}")

if __name__ == "__main__":
    main()
