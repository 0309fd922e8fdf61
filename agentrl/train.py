"""The training loop: rollout → update → weight sync → log → checkpoint, then a held-out
eval and report.

Read it top to bottom; every stage lives in its own package. The trainer trains the
transformers policy; the sampler (``policy.backend``: that same policy, or a vLLM engine)
rolls out, and gets the trained weights after every update.
"""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import torch
import yaml

from agentrl.algos.trainer import Trainer
from agentrl.core.env import Env
from agentrl.core.types import Task, Trajectory
from agentrl.eval.evaluate import EvalResult, evaluate
from agentrl.eval.report import write_report
from agentrl.policy.backends import make_sampler
from agentrl.policy.base import Policy, Sampler
from agentrl.policy.hf import HFPolicy
from agentrl.policy.threads import adapt_threads
from agentrl.preflight import check_recipe, env_factory
from agentrl.recipe import Recipe, load_recipe
from agentrl.rollout.runner import RolloutRunner
from agentrl.rollout.writer import TrajectoryWriter
from agentrl.run.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from agentrl.run.metrics import MetricsLogger, rollout_metrics
from agentrl.warm_start import warm_start


def load_policy(recipe: Recipe) -> HFPolicy:
    """The recipe's trained policy, loaded as ``recipe.policy`` says (sets torch's CPU threads:
    `agentrl.policy.threads`). What samples its rollouts is `load_sampler`'s."""
    adapt_threads(recipe.policy.cpu_threads)
    return HFPolicy.from_name(
        recipe.policy.model, device=recipe.policy.device, dtype=recipe.policy.dtype,
        lora=recipe.policy.lora, max_batch_size=recipe.policy.max_batch_size,
    )


def load_sampler(recipe: Recipe, policy: HFPolicy) -> Sampler:
    """What rolls out for ``policy`` (``recipe.policy.backend``), on its current weights."""
    started = time.monotonic()
    sampler = make_sampler(recipe.policy.backend, policy, recipe.policy, seed=recipe.seed)
    if sampler is not policy:
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
    env = check_recipe(recipe)
    run_dir = Path(recipe.logging.run_dir) / recipe.name
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "recipe.yaml").write_text(yaml.safe_dump(recipe.model_dump(), sort_keys=False))
    torch.manual_seed(recipe.seed)
    random.seed(recipe.seed)

    policy = load_policy(recipe)
    trainer = Trainer(policy, recipe.algorithm, recipe.optim,
                      temperature=recipe.rollout.sampling.temperature or 1.0, seed=recipe.seed)
    start, sft_metrics = 0, {}
    tasks = list(env.tasks(recipe.env.train_split))
    try:
        if (checkpoint := latest_checkpoint(run_dir)) is not None:
            start = load_checkpoint(checkpoint, policy, trainer)
            print(f"resuming {run_dir} from iteration {start}")
        elif recipe.warm_start.steps:  # once: its checkpoint (iteration 0) marks it done
            sft_metrics = run_warm_start(recipe, policy, env, tasks, run_dir)
            trainer.anchor_reference()  # KL (if any) to the fine-tuned policy
            save_checkpoint(run_dir, policy, trainer, 0)
    finally:
        env.close()
    sampler = load_sampler(recipe, policy)  # after a resume / warm start: their weights
    make_env = env_factory(recipe, timeout_s=recipe.rollout.step_timeout_s)
    writer = TrajectoryWriter(run_dir / "rollouts.jsonl")
    runner = RolloutRunner(make_env, sampler, recipe.rollout, on_finish=writer)
    logger = MetricsLogger(run_dir, tensorboard=recipe.logging.tensorboard,
                           wandb=recipe.logging.wandb, config=recipe.model_dump())
    if sft_metrics:
        logger.log(0, sft_metrics)
    try:
        for iteration in range(start, recipe.trainer.iterations):
            started = time.monotonic()
            adapt_threads(recipe.policy.cpu_threads)  # the cores free now
            trajectories = runner.run(
                batch_tasks(tasks, recipe.trainer.tasks_per_iteration, recipe.seed, iteration),
                seed=recipe.seed * 1_000_003 + iteration * 10_007,
                group_prefix=f"it{iteration}/", progress=recipe.logging.progress,
            )
            rolled = time.monotonic()
            sampler.release_memory()  # vLLM sleep mode: the GPU is the trainer's now
            metrics = rollout_metrics(trajectories)
            progress = (iteration + 1) / max(1, recipe.trainer.iterations)
            adapt_threads(recipe.policy.cpu_threads)
            metrics |= trainer.update(trajectories, iteration=iteration, progress=progress)
            updated = time.monotonic()
            sampler.sync_weights(policy.model)
            metrics |= _perf(trajectories, started, rolled, updated)
            _save_samples(run_dir, trajectories, recipe.trainer.samples_per_iteration)
            if (iteration + 1) % recipe.trainer.checkpoint_every == 0:
                save_checkpoint(run_dir, policy, trainer, iteration + 1)
            if recipe.trainer.eval_every and (iteration + 1) % recipe.trainer.eval_every == 0:
                metrics["eval/success"] = run_eval(recipe, sampler, run_dir).success_rate
            logger.log(iteration, metrics)
            _print_line(iteration, recipe.trainer.iterations, metrics)
        if recipe.trainer.iterations % recipe.trainer.checkpoint_every:
            save_checkpoint(run_dir, policy, trainer, recipe.trainer.iterations)
        result = run_eval(recipe, sampler, run_dir)
        logger.log(recipe.trainer.iterations, {"eval/success": result.success_rate})
    finally:
        runner.close()
        sampler.close()
        writer.close()
        logger.close()
    report = write_report(run_dir)
    print(f"held-out success {result.success_rate:.1%} "
          f"(95% CI {result.ci_low:.1%}-{result.ci_high:.1%}); report: {report}")
    return run_dir


def run_warm_start(recipe: Recipe, policy: HFPolicy, env: Env, tasks: list[Task],
                   run_dir: Path) -> dict[str, float]:
    """SFT on the expert's demonstrations of the first train tasks (`agentrl.warm_start`).

    Per-step metrics go to ``<run>/warm_start/`` (JSONL, TensorBoard); the summary is
    returned for iteration 0's metrics.
    """
    options = recipe.warm_start
    (run_dir / "warm_start").mkdir(exist_ok=True)
    logger = MetricsLogger(run_dir / "warm_start", tensorboard=recipe.logging.tensorboard,
                           wandb=False, config=recipe.model_dump())
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
    print(f"[warm start] {options.steps} steps on {metrics['sft/examples']:.0f} expert turns: "
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
        seed=recipe.seed + 7, progress=recipe.logging.progress,
    )
    (run_dir / "eval.json").write_text(result.model_dump_json(indent=2))
    with (run_dir / "eval_trajectories.jsonl").open("w") as file:
        file.writelines(t.model_dump_json() + "\n" for t in trajectories)
    return result


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
    policy = load_policy(recipe)
    run_dir = Path(recipe.logging.run_dir) / recipe.name
    run_dir.mkdir(parents=True, exist_ok=True)
    path = Path(checkpoint) if checkpoint else latest_checkpoint(run_dir)
    if path is not None:
        load_checkpoint(path, policy, Trainer(policy, recipe.algorithm, recipe.optim))
    sampler = load_sampler(recipe, policy)
    try:
        return run_eval(recipe, sampler, run_dir)
    finally:
        sampler.close()
