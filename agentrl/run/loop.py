"""The training loop: rollout → update → weight sync → log → checkpoint, then a held-out
eval and report.

Read it top to bottom; every stage lives in its own package. The trainer trains the
transformers policy; the sampler (``policy.backend``: that same policy, or a vLLM engine)
rolls out, and gets the trained weights after every update.

Under torchrun each rank runs this loop on its share of the tasks (whole groups), every
rank gets the whole batch for the update, and rank 0 alone writes files
(`agentrl.parallel`).
"""

from __future__ import annotations

import os
import random
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch

from agentrl.core.env import Env
from agentrl.core.ray_env import shutdown_ray
from agentrl.core.types import GroupKey, Task, Trajectory
from agentrl.credit.phases import prepare_shapings
from agentrl.eval.evaluate import EvalResult, evaluate
from agentrl.eval.report import write_report
from agentrl.parallel import SingleProcess, gather_groups, init_strategy
from agentrl.policy.backends import make_sampler, needs_local_model
from agentrl.policy.base import Policy, Sampler
from agentrl.policy.hf import HFPolicy
from agentrl.policy.threads import adapt_threads
from agentrl.rollout.dynamic_sampling import DynamicSamplingOptions, collect_groups
from agentrl.rollout.runner import RolloutRunner
from agentrl.rollout.writer import TrajectoryWriter
from agentrl.run.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from agentrl.run.errors import RunFolderError, disk_full_error, is_disk_full
from agentrl.run.killpoints import kill_point
from agentrl.run.metrics import MetricsLogger, rollout_metrics
from agentrl.run.preflight import check_recipe, check_trainable, env_factory
from agentrl.run.recipe import Recipe, RecipeError, load_recipe
from agentrl.run.run_folder import inspect_run_folder
from agentrl.run.warm_start import warm_start
from agentrl.update.trainer import Trainer


def load_policy(recipe: Recipe) -> HFPolicy:
    """The recipe's trained policy, loaded as ``recipe.policy`` says (sets torch's CPU threads:
    `agentrl.policy.threads`). What samples its rollouts is `load_sampler`'s."""
    adapt_threads(recipe.policy.cpu_threads)
    policy = HFPolicy.from_name(
        recipe.policy.model, device=recipe.policy.device, dtype=recipe.policy.dtype,
        lora=recipe.policy.lora, max_batch_size=recipe.policy.max_batch_size,
        decode_snapshot=recipe.policy.decode_snapshot,
    )
    print(f"[policy] dtype {policy.precision.name} (policy.dtype={recipe.policy.dtype})",
          flush=True)
    return policy


def load_sampler(recipe: Recipe, policy: HFPolicy | None) -> Sampler:
    """What rolls out for ``policy`` (``recipe.policy.backend``), on its current weights."""
    started = time.monotonic()
    sampler = make_sampler(recipe.policy.backend, policy, recipe.policy, seed=recipe.seed)
    if sampler is not policy and policy is not None:  # a local engine was started
        print(f"[{recipe.policy.backend}] engine ready in {time.monotonic() - started:.0f}s",
              flush=True)
    return sampler


def batch_tasks(tasks: list[Task], count: int, seed: int, iteration: int) -> list[Task]:
    """The iteration's tasks: a seeded draw without replacement (cycled if few tasks)."""
    order = random.Random(seed * 100_003 + iteration).sample(tasks, len(tasks))
    return [order[i % len(order)] for i in range(count)]


def train(source: str | Path | dict[str, Any] | Recipe, overrides: list[str] = ()) -> Path:
    """Run (or resume) the recipe; return its run folder."""
    recipe = load_recipe(source, overrides)
    check_trainable(recipe)
    parallel = init_strategy(recipe.trainer.strategy, device=recipe.policy.device,
                             timeout_s=recipe.trainer.dist_timeout_s)
    try:
        return _train(recipe, parallel)
    except Exception as error:  # a write on a full disk: say so, naming the run folder
        if isinstance(error, RunFolderError) or not is_disk_full(error):
            raise
        raise disk_full_error(Path(recipe.logging.run_dir) / recipe.name) from None
    finally:
        parallel.close()


def _train(recipe: Recipe, parallel: SingleProcess) -> Path:
    if parallel.world_size > 1 and recipe.policy.backend != "hf":
        raise RecipeError(f"recipe: policy.backend={recipe.policy.backend!r} with "
                          f"{parallel.world_size} ranks is not supported; use 'hf'")
    recipe.policy.device = parallel.device  # cuda -> this rank's GPU
    env = check_recipe(recipe)
    run_dir = Path(recipe.logging.run_dir) / recipe.name
    run_dir.mkdir(parents=True, exist_ok=True)
    folder = inspect_run_folder(run_dir, recipe)  # refuses another recipe's or a damaged run
    parallel.main_only(lambda: folder.store_recipe(recipe))
    say = parallel.main_only(lambda: print)
    torch.manual_seed(recipe.seed)
    random.seed(recipe.seed)

    policy = load_policy(recipe)
    trainer = Trainer(policy, recipe.algorithm, recipe.optim,
                      temperature=recipe.rollout.sampling.temperature or 1.0, seed=recipe.seed,
                      parallel=parallel)
    start = 0
    tasks = list(env.tasks(recipe.env.train_split))
    try:
        if folder.checkpoint is not None:
            start = load_checkpoint(folder.checkpoint, policy, trainer)
            _check_iterations(recipe, start, folder.checkpoint)
            say(f"resuming {run_dir} from iteration {start}")
        parallel.main_only(lambda: folder.settle(say))  # files as the checkpoint says
        logger = parallel.main_only(lambda: MetricsLogger(
            run_dir, tensorboard=recipe.logging.tensorboard, wandb=recipe.logging.wandb,
            config=recipe.model_dump()))
        if folder.checkpoint is None and recipe.warm_start.steps:  # once: checkpoint 0 marks it
            sft_metrics = run_warm_start(recipe, policy, env, tasks, run_dir, parallel)
            trainer.anchor_reference()  # KL (if any) to the fine-tuned policy
            logger.log(0, sft_metrics)
            save_checkpoint(run_dir, policy, trainer, 0)
    finally:
        env.close()
    sampler = load_sampler(recipe, policy)  # after a resume / warm start: their weights
    make_env = env_factory(recipe, timeout_s=recipe.rollout.step_timeout_s)
    prepare_shapings(recipe, trainer.context, sampler, make_env, tasks, run_dir, start=start,
                     parallel=parallel)  # phases shapings declare, e.g. SPA's exploration + fit
    writer = parallel.main_only(lambda: TrajectoryWriter(run_dir / "rollouts.jsonl"))
    runner = RolloutRunner(make_env, sampler, recipe.rollout, on_finish=partial(_write, writer))
    try:
        iterations = range(start, recipe.trainer.iterations)
        if recipe.trainer.mode == "async":  # its own orchestrator runs the iterations
            from agentrl.run.async_loop import train_async

            train_async(recipe, parallel, policy, trainer, sampler, make_env, tasks, writer,
                        logger, run_dir, start)
            iterations = range(0)
        for iteration in iterations:
            started = time.monotonic()
            adapt_threads(recipe.policy.cpu_threads)  # the cores free now
            runner.policy_version = iteration  # updates made so far: the sampler's weights
            trajectories, sampling_metrics = roll_out(
                parallel, runner, policy, writer,
                batch_tasks(tasks, recipe.trainer.tasks_per_iteration, recipe.seed, iteration),
                seed=recipe.seed * 1_000_003 + iteration * 10_007,
                group_prefix=f"it{iteration}/", progress=recipe.logging.progress,
                options=recipe.rollout.dynamic_sampling,
            )
            rolled = time.monotonic()
            sampler.release_memory()  # vLLM sleep mode: the GPU is the trainer's now
            metrics = rollout_metrics(trajectories) | sampling_metrics
            progress = (iteration + 1) / max(1, recipe.trainer.iterations)
            adapt_threads(recipe.policy.cpu_threads)
            metrics |= trainer.update(trajectories, iteration=iteration, progress=progress)
            kill_point("update")
            updated = time.monotonic()
            sampler.sync_weights(policy.model)
            metrics |= _perf(trajectories, started, rolled, updated)
            parallel.main_only(partial(_save_samples, run_dir, trajectories,
                                       recipe.trainer.samples_per_iteration))
            if recipe.trainer.eval_every and (iteration + 1) % recipe.trainer.eval_every == 0:
                runner.close_envs()  # the eval's envs take their place (Ray resources)
                metrics["eval/success"] = main_eval(parallel, recipe, sampler, policy,
                                                    run_dir).success_rate
            logger.log(iteration, metrics)
            parallel.main_only(partial(_print_line, iteration, recipe.trainer.iterations,
                                       metrics))
            kill_point("metrics")
            if (iteration + 1) % recipe.trainer.checkpoint_every == 0:  # covers all above
                save_checkpoint(run_dir, policy, trainer, iteration + 1)
                kill_point("checkpointed")
        if start < recipe.trainer.iterations and (
                recipe.trainer.iterations % recipe.trainer.checkpoint_every):
            save_checkpoint(run_dir, policy, trainer, recipe.trainer.iterations)
        runner.close_envs()
        result = main_eval(parallel, recipe, sampler, policy, run_dir)
        kill_point("eval")
        logger.log(recipe.trainer.iterations, {"eval/success": result.success_rate})
    finally:
        runner.close()
        shutdown_ray()  # if env_workers 'ray' started a local Ray for this run
        sampler.close()
        writer.close()
        logger.close()
    parallel.main_only(lambda: print(
        f"held-out success {result.success_rate:.1%} (95% CI {result.ci_low:.1%}-"
        f"{result.ci_high:.1%}); report: {write_report(run_dir)}"))
    return run_dir


def roll_out(parallel: SingleProcess, runner: RolloutRunner, policy: HFPolicy,
             writer: TrajectoryWriter, tasks: list[Task], *, seed: int, group_prefix: str,
             progress: bool, options: DynamicSamplingOptions,
             ) -> tuple[list[Trajectory], dict[str, float]]:
    """The iteration's episodes, in task-major order, on every rank, and the dynamic-
    sampling metrics (fractions averaged over ranks, counts summed): each rank collects its
    share of the tasks (whole groups; its own sampling seeds); rank 0's writer has written
    its own as they finished and writes the other ranks' kept groups once gathered."""
    keys = GroupKey.for_tasks(tasks, group_prefix)  # batch-wide: a repeated task's n-th draw
    with parallel.generation(policy.model):
        local = collect_groups(runner, parallel.shard(tasks), keys=parallel.shard(keys),
                               seed=seed + parallel.rank * 7_919, group_prefix=group_prefix,
                               progress=progress, options=options)
    parts = parallel.all_gather(local)
    for trajectories, _ in parts[1:]:
        for trajectory in trajectories:
            writer(trajectory)
    metrics = {key: float((np.mean if "fraction" in key else np.sum)([p[1][key] for p in parts]))
               for key in parts[0][1]}
    return gather_groups([part[0] for part in parts], keys), metrics


def main_eval(parallel: SingleProcess, recipe: Recipe, sampler: Sampler, policy: HFPolicy,
              run_dir: Path) -> EvalResult:
    """`run_eval` on rank 0 (the other ranks go on, and wait at their next collective)."""
    with parallel.generation(policy.model):
        return parallel.main_only(lambda: run_eval(recipe, sampler, run_dir))


def _write(writer: TrajectoryWriter, trajectory: Trajectory) -> None:
    writer(trajectory)
    kill_point("writer")


def _check_iterations(recipe: Recipe, done: int, checkpoint: Path) -> None:
    if done > recipe.trainer.iterations:
        raise RunFolderError(
            f"trainer.iterations={recipe.trainer.iterations}, but the run has completed "
            f"{done} iterations ({checkpoint}): set trainer.iterations to {done} or more, or "
            "evaluate it with `agentrl eval`.")


def run_warm_start(recipe: Recipe, policy: HFPolicy, env: Env, tasks: list[Task],
                   run_dir: Path, parallel: SingleProcess | None = None) -> dict[str, float]:
    """SFT on the expert's demonstrations of the first train tasks (`agentrl.run.warm_start`).

    Per-step metrics go to ``<run>/warm_start/`` (JSONL, TensorBoard); the summary is
    returned for iteration 0's metrics.
    """
    options = recipe.warm_start
    parallel = parallel or SingleProcess()  # every rank fine-tunes alike; rank 0 logs
    (run_dir / "warm_start").mkdir(exist_ok=True)
    logger = parallel.main_only(lambda: MetricsLogger(
        run_dir / "warm_start", tensorboard=recipe.logging.tensorboard, wandb=False,
        config=recipe.model_dump()))
    started = time.monotonic()
    try:
        metrics = warm_start(
            policy, env, tasks[: options.tasks], options, recipe.rollout.prompt,
            logger=logger, max_turns=recipe.rollout.max_turns, seed=recipe.seed,
            progress=recipe.logging.progress,
        )
    finally:
        logger.close()
    metrics["perf/sft_s"] = time.monotonic() - started
    parallel.main_only(lambda: print)(
          f"[warm start] {options.steps} steps on {metrics['sft/examples']:.0f} expert turns: "
          f"loss {metrics['sft/loss_first']:.3g} -> {metrics['sft/loss']:.3g}, "
          f"token accuracy {metrics['sft/token_accuracy']:.0%}", flush=True)
    return metrics


def run_eval(recipe: Recipe, policy: Policy, run_dir: Path) -> EvalResult:
    """Greedy (by default) rollouts on the recipe's eval split; writes eval.json."""
    env = env_factory(recipe)()
    tasks = list(env.tasks(recipe.eval.split))[: recipe.eval.num_tasks]
    env.close()
    sampling = recipe.rollout.sampling.model_copy(update={"temperature": recipe.eval.temperature})
    if recipe.eval.max_new_tokens:
        sampling.max_new_tokens = recipe.eval.max_new_tokens
    options = recipe.rollout.model_copy(update={"sampling": sampling})
    result, trajectories = evaluate(
        policy, env_factory(recipe, timeout_s=recipe.rollout.step_timeout_s), tasks, options,
        split=recipe.eval.split, episodes_per_task=recipe.eval.episodes_per_task,
        pass_k=recipe.eval.pass_k, seed=recipe.seed + 7, progress=recipe.logging.progress,
    )
    _replace(run_dir / "eval_trajectories.jsonl",
             "".join(t.model_dump_json() + "\n" for t in trajectories))
    _replace(run_dir / "eval.json", result.model_dump_json(indent=2))  # once: replaced whole
    return result


def _replace(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _perf(trajectories: list[Trajectory], started: float, rolled: float,
          updated: float) -> dict[str, float]:
    now = time.monotonic()
    tokens = sum(len(turn.action_ids) for t in trajectories for turn in t.turns)
    return {
        "perf/rollout_s": rolled - started,
        "perf/update_s": updated - rolled,
        "perf/sync_s": now - updated,
        "perf/iteration_s": now - started,
        "perf/tokens_per_s": tokens / max(1e-9, rolled - started),
    }


def _save_samples(run_dir: Path, trajectories: list[Trajectory], count: int) -> None:
    """Keep a few trajectories with their per-turn advantages, for `agentrl inspect`."""
    if count == 0:
        return
    with (run_dir / "samples.jsonl").open("a") as file:
        file.writelines(t.model_dump_json() + "\n" for t in trajectories[:count])


def _print_line(iteration: int, total: int, metrics: dict[str, float]) -> None:
    keys = ("rollout/success", "rollout/outcome_reward", "loss/policy", "train/approx_kl",
            "perf/iteration_s")
    shown = "  ".join(f"{k.split('/')[-1]}={metrics[k]:.3g}" for k in keys if k in metrics)
    print(f"[iter {iteration + 1}/{total}] {shown}", flush=True)


def eval_only(source: str | Path | dict[str, Any] | Recipe, overrides: list[str] = (),
              checkpoint: str | Path | None = None) -> EvalResult:
    """Evaluate a recipe's policy (optionally from a run's checkpoint) on its eval split."""
    recipe = load_recipe(source, overrides)
    check_recipe(recipe).close()
    run_dir = Path(recipe.logging.run_dir) / recipe.name
    run_dir.mkdir(parents=True, exist_ok=True)
    policy = None  # a remote backend (openai) has no local model or checkpoint
    if needs_local_model(recipe.policy.backend):
        policy = load_policy(recipe)
        path = Path(checkpoint) if checkpoint else latest_checkpoint(run_dir)
        if path is not None:
            load_checkpoint(path, policy, Trainer(policy, recipe.algorithm, recipe.optim))
    sampler = load_sampler(recipe, policy)
    try:
        return run_eval(recipe, sampler, run_dir)
    finally:
        sampler.close()
