"""Peak resident memory of the main job's stages on the embedded model.

The main job is ``bash scripts/quickstart.sh``: ``recipes/textworld-grpo.yaml`` with the
embedded SmolLM2-135M (LoRA). This runs its stages one after the other in one process and
reports the peak resident set size (VmHWM, reset between stages through
``/proc/self/clear_refs``) of each: loading the model, the SFT warm start, one rollout
(with the resident memory after every turn, hence its per-turn growth), one update, and a
second rollout after it. The env processes (one per TextWorld game) are not counted: the
figure is this process's, as ``/usr/bin/time`` reports the trainer's.

    python benchmarks/memory.py [--warm-start-steps 2] [--set key=value ...]
    python benchmarks/memory.py --trajectories runs/X/rollouts.jsonl   # the update only

``--set optim.activation_checkpointing=false`` shows the memory without checkpointing.
Like the ``agentrl`` command it runs on tcmalloc where the machine has it
(`agentrl.core.allocator`); ``AGENTRL_ALLOCATOR=system`` measures glibc's malloc.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import agentrl.run.loop as loop
from agentrl.core.allocator import run_under_tcmalloc, tcmalloc_loaded
from agentrl.core.types import Trajectory
from agentrl.rollout.runner import RolloutRunner
from agentrl.run.preflight import check_recipe, env_factory
from agentrl.run.recipe import load_recipe
from agentrl.update.trainer import Trainer

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "textworld-grpo.yaml"


def resident_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (``VmRSS``) or its peak since the last reset
    (``VmHWM``), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


@contextmanager
def peak(name: str, figures: dict[str, float]) -> Iterator[None]:
    """Record the peak resident memory while the block runs as ``figures[name]`` (MiB)."""
    gc.collect()
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS
    started = time.monotonic()
    yield
    figures[name] = resident_mb("VmHWM")
    figures[name.replace("peak_rss_mb", "s")] = time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=str(RECIPE))
    parser.add_argument("--warm-start-steps", type=int, default=2,
                        help="SFT steps (the recipe has 8; each has the same peak).")
    parser.add_argument("--set", nargs="*", default=[], help="Recipe overrides key=value.")
    parser.add_argument("--trajectories", type=Path,
                        help="Update on these saved episodes (JSONL) instead of rolling out; "
                        "no warm start, no rollout.")
    args = parser.parse_args()
    run_under_tcmalloc()  # as the agentrl command does
    print("allocator:", "tcmalloc" if tcmalloc_loaded() else "system (glibc)")
    if args.trajectories:
        args.warm_start_steps = 0
    recipe = load_recipe(args.recipe, [f"warm_start.steps={args.warm_start_steps}",
                                       "logging.progress=false", *args.set])
    env = check_recipe(recipe)
    figures: dict[str, float] = {"start_rss_mb": resident_mb()}
    with peak("load_peak_rss_mb", figures):
        policy = loop.load_policy(recipe)
        trainer = Trainer(policy, recipe.algorithm, recipe.optim,
                          temperature=recipe.rollout.sampling.temperature or 1.0,
                          seed=recipe.seed)
    tasks = list(env.tasks(recipe.env.train_split))
    run_dir = Path("/tmp") / f"agentrl-memory-{recipe.name}"
    run_dir.mkdir(exist_ok=True)
    if args.warm_start_steps:
        with peak("warm_start_peak_rss_mb", figures):
            loop.run_warm_start(recipe, policy, env, tasks, run_dir)
    env.close()
    if args.trajectories:
        lines = args.trajectories.read_text().splitlines()
        saved = [Trajectory.model_validate_json(line) for line in lines if line.strip()]
        with peak("update_peak_rss_mb", figures):
            metrics = trainer.update(saved, iteration=0, progress=0.5)
        report(figures, saved, metrics)
        return
    after_turn: list[float] = []
    generate = policy.generate_from_ids

    def generate_and_measure(*a, **k):  # type: ignore[no-untyped-def]
        out = generate(*a, **k)
        after_turn.append(resident_mb())
        return out

    policy.generate_from_ids = generate_and_measure  # type: ignore[method-assign]
    runner = RolloutRunner(env_factory(recipe), policy, recipe.rollout)
    batch = loop.batch_tasks(tasks, recipe.trainer.tasks_per_iteration, recipe.seed, 0)
    try:
        with peak("rollout_peak_rss_mb", figures):
            before = resident_mb()
            trajectories = runner.run(batch, seed=recipe.seed, group_prefix="it0/")
        growth = [b - a for a, b in zip([before, *after_turn], after_turn, strict=False)]
        with peak("update_peak_rss_mb", figures):
            metrics = trainer.update(trajectories, iteration=0, progress=0.5)
        after_turn.clear()
        with peak("rollout2_peak_rss_mb", figures):
            runner.run(batch, seed=recipe.seed + 1, group_prefix="it1/")
    finally:
        runner.close()
    print("resident MiB after each turn of rollout 1:",
          " ".join(f"{before + sum(growth[: i + 1]):.0f}" for i in range(len(growth))))
    figures["rollout_growth_per_turn_mb"] = max(growth[1:], default=0.0) if growth else 0.0
    report(figures, trajectories, metrics)


def report(figures: dict[str, float], trajectories: list[Trajectory],
           metrics: dict[str, float]) -> None:
    """Print the batch's shape, then every figure as ``metric: value`` (MiB, seconds)."""
    turns = sum(len(t.turns) for t in trajectories)
    prompt_tokens = [len(turn.prompt_ids) for t in trajectories for turn in t.turns]
    print(f"episodes {len(trajectories)}, turns {turns}, prompt tokens mean "
          f"{sum(prompt_tokens) / len(prompt_tokens):.0f} max {max(prompt_tokens)}; "
          f"update turns {metrics.get('train/turns', 0):.0f}")
    figures["end_rss_mb"] = resident_mb()
    figures["job_peak_rss_mb"] = max(v for k, v in figures.items() if k.endswith("peak_rss_mb"))
    for key, value in figures.items():
        print(f"{key}: {value:.1f}")


if __name__ == "__main__":
    main()
