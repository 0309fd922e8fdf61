"""The asynchronous training loop (``trainer.mode: async``): rollouts overlap updates.

Its own orchestrator, not flags in the synchronous loop (`agentrl.run.loop`, which hands
its iterations here):

- A **dispatcher** thread starts batch i (the tasks, seeds and group names the synchronous
  loop would draw for iteration i) once policy version i − k is published (k =
  ``trainer.max_staleness``), on one of k + 1 rollout runners, each in its own thread: up to
  k + 1 batches are outstanding, and their env steps overlap each other and the update.
- Every generate call goes through `SharedSampler`, under one lock: it samples with the
  newest published weights and stamps the runner with their version, which the runner
  records on each turn. An episode in flight at a weight update continues under the new
  weights (a partial rollout): with ``vllm`` from the middle of the generate call in
  flight (abort and resume from the generated prefix; each token keeps its version in
  ``Turn.token_versions``), with ``hf`` from its next turn on; every token keeps the
  behaviour log-prob it was sampled with.
- Finished batches enter the `EpisodeBuffer` (`agentrl.rollout.buffer`). The trainer takes
  batch i, keeps the groups whose oldest turn is at most k versions old (older groups are
  dropped and counted: ``async/dropped_groups``), writes its episodes, updates, and
  publishes version i + 1 to the sampler.

With the ``hf`` backend the sampler is a copy of the trained model, loaded with the trained
weights at each publish (twice the model's memory); with ``vllm`` it is the engine, synced
as in the synchronous loop (without sleep mode). ``k = 0`` makes batch i wait for version
i: the synchronous run, exactly (same episodes, same weights).

A checkpoint covers the buffer: the batches finished but not yet trained on are written
beside it (``checkpoints/buffer-NNNNNN.jsonl``) and taken again on resume; batches still in
flight are sampled again from their start (same tasks, seeds and group names), so a killed
run loses and repeats no episode.
"""

from __future__ import annotations

import copy
import queue
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from agentrl.core.env import Env
from agentrl.core.types import GroupKey, Task, Trajectory
from agentrl.parallel import SingleProcess, gather_groups
from agentrl.policy.base import Generation, Sampler
from agentrl.policy.hf import HFPolicy
from agentrl.policy.prefix_store import PrefixStore
from agentrl.policy.threads import adapt_threads
from agentrl.rollout.buffer import (
    Batch,
    EpisodeBuffer,
    fresh_groups,
    load_batches,
    save_batches,
    staleness_metrics,
)
from agentrl.rollout.dynamic_sampling import collect_groups
from agentrl.rollout.runner import RolloutRunner
from agentrl.rollout.writer import TrajectoryWriter
from agentrl.run.checkpoint import save_checkpoint
from agentrl.run.killpoints import kill_point
from agentrl.run.loop import _print_line, _save_samples, batch_tasks, main_eval
from agentrl.run.metrics import MetricsLogger, rollout_metrics
from agentrl.run.recipe import Recipe
from agentrl.update.trainer import Trainer


class SharedSampler:
    """The sampler every rollout thread (and the eval) shares: one generate call at a time,
    always with the newest published weights, each call stamping its caller with the
    version it starts with.

    `publish` hands new weights over. Between two generate calls they are loaded at once;
    during a call, a sampler that can resume mid-generation (``resumes_mid_generation``:
    vLLM) lets them in between two engine steps — it aborts its requests and resumes them
    from their prefix under the new weights (this object is its `WeightSwap`) — and any
    other (``hf``) finishes its call first (partial rollouts at turn boundaries). No new call
    starts while an update waits, so the trainer is never starved of the sampler."""

    def __init__(self, sampler: Sampler, version: int) -> None:
        self.sampler = sampler
        self.version = version
        self.resumable = bool(getattr(sampler, "resumes_mid_generation", False))
        self._lock = threading.Lock()  # held by a generate call, or by a publish
        self._swap = threading.Condition()  # guards _pending
        self._pending: tuple[Any, int] | None = None
        self._published = threading.Condition()

    def generate(self, batch: list, sampling: Any, tools: list | None = None, *,
                 stamp: RolloutRunner | None = None) -> list[Generation]:
        """``sampler.generate`` under the lock; ``stamp``'s ``policy_version`` is set to the
        version of the weights the call starts with."""
        with self._swap:
            while self._pending is not None:  # an update waits: it goes first
                self._swap.wait()
        with self._lock:
            if stamp is not None:
                stamp.policy_version = self.version
            if self.resumable:
                return self.sampler.generate(batch, sampling, tools=tools, swap=self)
            return self.sampler.generate(batch, sampling, tools=tools)

    def publish(self, model: Any, version: int) -> None:
        """Load ``model``'s weights into the sampler as ``version`` and wake the producers
        waiting for it. Returns once the sampler holds them: between calls at once, else
        when the call in flight lets them in (a resumable sampler, at its next engine step)
        or ends."""
        with self._swap:
            self._pending = (model, version)
        while not self._lock.acquire(timeout=0.05):
            if not self.pending():  # the call in flight loaded them
                break
        else:
            try:
                self.apply()
            finally:
                self._lock.release()

    def pending(self) -> bool:
        """Whether published weights wait to be loaded (`WeightSwap`)."""
        with self._swap:
            return self._pending is not None

    def apply(self) -> int:
        """Load the waiting weights, if any, and return the version held (`WeightSwap`;
        called with the lock held: by `publish`, or by the generate call in flight)."""
        with self._swap:
            if self._pending is not None:
                model, version = self._pending
                self.sampler.sync_weights(model)
                self.version = version
                self._pending = None
                self._swap.notify_all()
        with self._published:
            self._published.notify_all()
        return self.version

    def wait_for(self, version: int, stop: threading.Event) -> bool:
        """Block until ``version`` is published (True) or ``stop`` is set (False)."""
        with self._published:
            while self.version < version and not stop.is_set():
                self._published.wait(timeout=0.5)
        return not stop.is_set()

    def view(self, runner: RolloutRunner | None = None) -> _SamplerView:
        """A `Policy` for one runner (stamped with versions) or for the eval (``None``)."""
        return _SamplerView(self, runner)


class _SamplerView:
    """`SharedSampler` as the `Policy` a runner or an eval calls."""

    def __init__(self, shared: SharedSampler, runner: RolloutRunner | None) -> None:
        self.shared = shared
        self.runner = runner

    def generate(self, batch: list, sampling: Any, tools: list | None = None
                 ) -> list[Generation]:
        """Sample under the shared lock, stamping the runner with the weights' version."""
        return self.shared.generate(batch, sampling, tools, stamp=self.runner)


def sampler_copy(policy: HFPolicy) -> HFPolicy:
    """An `HFPolicy` sampling from a frozen copy of ``policy``'s model (same tokenizer,
    options and weights): the trainer's steps leave it alone until `sync_weights`."""
    sampler = copy.copy(policy)
    sampler.model = copy.deepcopy(policy.model).requires_grad_(False)
    sampler.prefix_store = PrefixStore()
    return sampler


class Producer:
    """Starts each iteration's batch on a free runner once its staleness bound allows it,
    and puts the finished batch in the buffer (module docstring)."""

    def __init__(self, recipe: Recipe, shared: SharedSampler, make_env: Callable[[], Env],
                 tasks: list[Task], buffer: EpisodeBuffer, start: int) -> None:
        self.recipe, self.shared, self.buffer, self.tasks = recipe, shared, buffer, tasks
        self.start_at = start
        self.restored = {batch.index for batch in buffer.pending()}  # from the checkpoint
        self.stop = threading.Event()
        self.runners = [RolloutRunner(make_env, None, recipe.rollout)  # type: ignore[arg-type]
                        for _ in range(recipe.trainer.max_staleness + 1)]
        self._free: queue.Queue[RolloutRunner] = queue.Queue()
        for runner in self.runners:
            runner.policy = shared.view(runner)
            self._free.put(runner)
        self._thread = threading.Thread(target=self._dispatch, name="rollout-dispatch",
                                        daemon=True)

    def start(self) -> None:
        """Start dispatching batches."""
        self._thread.start()

    def close(self) -> None:
        """Stop starting batches; close the runners' envs (a batch in flight errors)."""
        self.stop.set()
        self._thread.join(timeout=5.0)
        for runner in self.runners:
            runner.close()

    def _dispatch(self) -> None:
        k = self.recipe.trainer.max_staleness
        for index in range(self.start_at, self.recipe.trainer.iterations):
            if index in self.restored:
                continue
            if not self.shared.wait_for(index - k, self.stop):
                return
            runner = self._next_free_runner()
            if runner is None:
                return
            threading.Thread(target=self._produce, args=(index, runner),
                             name=f"rollout-{index}", daemon=True).start()

    def _next_free_runner(self) -> RolloutRunner | None:
        """A runner no batch is using, waiting for one; None once stopped."""
        while not self.stop.is_set():
            try:
                return self._free.get(timeout=0.5)
            except queue.Empty:
                continue
        return None

    def _produce(self, index: int, runner: RolloutRunner) -> None:
        recipe = self.recipe
        try:
            started = time.monotonic()
            tasks = batch_tasks(self.tasks, recipe.trainer.tasks_per_iteration, recipe.seed,
                                index)
            prefix = f"it{index}/"
            keys = GroupKey.for_tasks(tasks, prefix)
            trajectories, metrics = collect_groups(
                runner, tasks, keys=keys, seed=recipe.seed * 1_000_003 + index * 10_007,
                group_prefix=prefix, progress=False, options=recipe.rollout.dynamic_sampling)
            self.buffer.put(Batch(index, gather_groups([trajectories], keys), metrics,
                                  time.monotonic() - started))
        except BaseException as error:  # noqa: BLE001 - handed to the trainer, raised there
            if not self.stop.is_set():
                self.buffer.fail(error)
        finally:
            self._free.put(runner)


def buffer_file(run_dir: Path, iteration: int) -> Path:
    """Where the checkpoint after ``iteration`` iterations keeps the unconsumed batches."""
    return run_dir / "checkpoints" / f"buffer-{iteration:06d}.jsonl"


def train_async(recipe: Recipe, parallel: SingleProcess, policy: HFPolicy, trainer: Trainer,
                sampler: Sampler, make_env: Callable[[], Env], tasks: list[Task],
                writer: TrajectoryWriter, logger: MetricsLogger, run_dir: Path,
                start: int) -> None:
    """Iterations ``start`` … ``trainer.iterations − 1`` of the recipe, asynchronously
    (module docstring); checkpoints as the synchronous loop does. The final checkpoint and
    eval are the caller's."""
    shared = SharedSampler(sampler_copy(policy) if sampler is policy else sampler, start)
    buffer = EpisodeBuffer()
    for batch in load_batches(buffer_file(run_dir, start)):
        buffer.put(batch)
    producer = Producer(recipe, shared, make_env, tasks, buffer, start)
    producer.start()
    try:
        last = time.monotonic()
        for iteration in range(start, recipe.trainer.iterations):
            kept, metrics = _iteration(recipe, trainer, policy, shared, buffer, writer,
                                       iteration)
            now = time.monotonic()
            tokens = sum(len(turn.action_ids) for t in kept for turn in t.turns)
            metrics["perf/iteration_s"] = now - last
            metrics["perf/trainer_tokens_per_s"] = tokens / max(1e-9, now - last)
            metrics["perf/trainer_idle_fraction"] = metrics["perf/trainer_idle_s"] / max(
                1e-9, now - last)
            last = now
            _finish_iteration(recipe, parallel, policy, trainer, shared, buffer, logger,
                              run_dir, iteration, kept, metrics)
    finally:
        producer.close()


def _iteration(recipe: Recipe, trainer: Trainer, policy: HFPolicy, shared: SharedSampler,
               buffer: EpisodeBuffer, writer: TrajectoryWriter, iteration: int
               ) -> tuple[list[Trajectory], dict[str, float]]:
    """Take batch ``iteration``, write its episodes, update on its fresh groups, publish."""
    waited = time.monotonic()
    batch = buffer.take(iteration)
    idle = time.monotonic() - waited
    k = recipe.trainer.max_staleness
    kept, dropped = fresh_groups(batch.trajectories, iteration, k)
    for trajectory in batch.trajectories:
        writer(trajectory)
        kill_point("writer")
    metrics = rollout_metrics(kept) | batch.metrics | staleness_metrics(kept, iteration, k)
    metrics["async/dropped_groups"] = float(dropped)
    metrics["perf/trainer_idle_s"] = idle
    metrics["perf/rollout_s"] = batch.sampling_s
    metrics["perf/sampler_tokens_per_s"] = batch.tokens / max(1e-9, batch.sampling_s)
    progress = (iteration + 1) / max(1, recipe.trainer.iterations)
    adapt_threads(recipe.policy.cpu_threads)
    updating = time.monotonic()
    metrics |= trainer.update(kept, iteration=iteration, progress=progress)
    kill_point("update")
    metrics["perf/update_s"] = time.monotonic() - updating
    publishing = time.monotonic()
    shared.publish(policy.model, iteration + 1)
    metrics["perf/sync_s"] = time.monotonic() - publishing
    return kept, metrics


def _finish_iteration(recipe: Recipe, parallel: SingleProcess, policy: HFPolicy,
                      trainer: Trainer, shared: SharedSampler, buffer: EpisodeBuffer,
                      logger: MetricsLogger, run_dir: Path, iteration: int,
                      kept: list[Trajectory], metrics: dict[str, float]) -> None:
    """Samples, eval, metrics line and checkpoint (with the buffer), as the sync loop."""
    parallel.main_only(partial(_save_samples, run_dir, kept,
                               recipe.trainer.samples_per_iteration))
    if recipe.trainer.eval_every and (iteration + 1) % recipe.trainer.eval_every == 0:
        metrics["eval/success"] = main_eval(parallel, recipe, shared.view(), policy,
                                            run_dir).success_rate
    logger.log(iteration, metrics)
    parallel.main_only(partial(_print_line, iteration, recipe.trainer.iterations, metrics))
    kill_point("metrics")
    if (iteration + 1) % recipe.trainer.checkpoint_every == 0:
        done = iteration + 1
        save_batches([b for b in buffer.pending() if b.index >= done],
                     buffer_file(run_dir, done))
        save_checkpoint(run_dir, policy, trainer, done)
        for old in (run_dir / "checkpoints").glob("buffer-*.jsonl"):
            if old.name != buffer_file(run_dir, done).name:
                old.unlink(missing_ok=True)
        kill_point("checkpointed")
