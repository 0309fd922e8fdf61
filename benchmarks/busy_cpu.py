"""The main job's training slice on a quiet CPU and beside one competing CPU-bound process.

A fixed slice of ``recipes/textworld-grpo.yaml`` (embedded SmolLM2-135M with LoRA; by
default 2 tasks × group 4, 2 turns, no warm start): one rollout and one update, timed in a
fresh process each (model loading not timed). Two thread settings:

- ``before``: what the job did before this benchmark — as many torch threads as cores,
  OpenMP's default wait policy (torch imported before agentrl, so nothing changes it);
- ``after``: agentrl's settings (`agentrl.policy.threads`): ``OMP_WAIT_POLICY=PASSIVE``
  and the threads re-chosen from the cores free before the rollout and the update.

Each runs quiet, then with ``python -c 'while True: pass'`` running beside it; the ratio
busy / quiet is the headline (target ≤ 2.5). The machine's other load counts as well:
run it on an otherwise idle machine for the figures that mean something.

    python benchmarks/busy_cpu.py [--tasks 2] [--turns 2] [--modes before after]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

RECIPE = Path(__file__).resolve().parents[1] / "recipes" / "textworld-grpo.yaml"


def child(mode: str, overrides: list[str]) -> None:
    """Run the slice in this process with the ``mode`` thread settings; print its times."""
    wait_policy = os.environ.get("OMP_WAIT_POLICY", "default")  # what OpenMP starts with
    if mode == "after":
        wait_policy = "PASSIVE"  # `import agentrl` sets it before torch loads
    if mode == "before":
        import torch  # first: OpenMP starts with its default wait policy

        torch.set_num_threads(os.cpu_count() or 1)
    import agentrl.run.loop as loop
    from agentrl.policy.threads import adapt_threads
    from agentrl.rollout.runner import RolloutRunner
    from agentrl.run.preflight import check_recipe, env_factory
    from agentrl.run.recipe import load_recipe
    from agentrl.update.trainer import Trainer

    recipe = load_recipe(str(RECIPE), ["warm_start.steps=0", "logging.progress=false",
                                      *overrides])
    env = check_recipe(recipe)
    tasks = list(env.tasks(recipe.env.train_split))
    env.close()
    policy = loop.HFPolicy.from_name(recipe.policy.model, lora=recipe.policy.lora)
    trainer = Trainer(policy, recipe.algorithm, recipe.optim, seed=recipe.seed)
    runner = RolloutRunner(env_factory(recipe), policy, recipe.rollout)
    batch = loop.batch_tasks(tasks, recipe.trainer.tasks_per_iteration, recipe.seed, 0)
    adapt = mode == "after"
    try:
        threads = [adapt_threads() if adapt else 0]
        started = time.monotonic()
        trajectories = runner.run(batch, seed=recipe.seed, group_prefix="it0/")
        rolled = time.monotonic()
        threads.append(adapt_threads() if adapt else 0)
        trainer.update(trajectories)
        updated = time.monotonic()
    finally:
        runner.close()
    print(json.dumps({"rollout_s": rolled - started, "update_s": updated - rolled,
                      "threads": threads, "wait_policy": wait_policy,
                      "tokens": sum(len(u.action_ids) for t in trajectories for u in t.turns)}))


def run_slice(mode: str, overrides: list[str], competitor: bool, timeout_s: float) -> dict:
    """Times of one slice in a fresh process, optionally beside a busy competitor."""
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY",
                                                             "OMP_NUM_THREADS")}
    spinner = (subprocess.Popen([sys.executable, "-c", "while True: pass"])
               if competitor else None)
    try:
        done = subprocess.run([sys.executable, __file__, "--child", mode, "--set", *overrides],
                              env=env, capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return {"rollout_s": timeout_s, "update_s": 0.0, "timed_out": True}
    finally:
        if spinner is not None:
            spinner.kill()
            spinner.wait()
    if done.returncode:
        raise RuntimeError(f"slice ({mode}) failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--tasks", type=int, default=2)
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--modes", nargs="+", default=["before", "after"])
    parser.add_argument("--timeout", type=float, default=900, help="Seconds per slice.")
    parser.add_argument("--set", nargs="*", default=[], help="More recipe overrides.")
    args = parser.parse_args()
    if args.child:
        child(args.child, args.set)
        return
    overrides = [f"trainer.tasks_per_iteration={args.tasks}", f"rollout.max_turns={args.turns}",
                 *args.set]
    load = os.getloadavg()[0]
    results: dict[str, dict[str, dict]] = {}
    for mode in args.modes:
        results[mode] = {}
        for busy in (False, True):
            result = run_slice(mode, overrides, busy, args.timeout)
            results[mode]["busy" if busy else "quiet"] = result
            print(mode, "busy" if busy else "quiet", json.dumps(result), flush=True)
    print(f"{os.cpu_count()} cores; 1-min load average at start {load:.1f} (other jobs count)")
    for mode, runs in results.items():
        total = {k: r["rollout_s"] + r["update_s"] for k, r in runs.items()}
        for part in ("rollout_s", "update_s"):
            print(f"{mode}_{part.removesuffix('_s')}_busy_over_quiet: "
                  f"{runs['busy'][part] / max(1e-9, runs['quiet'][part]):.2f}")
        print(f"{mode}_quiet_s: {total['quiet']:.1f}")
        print(f"{mode}_busy_s: {total['busy']:.1f}")
        print(f"{mode}_busy_over_quiet: {total['busy'] / total['quiet']:.2f}")


if __name__ == "__main__":
    main()
