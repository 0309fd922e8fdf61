"""Learning comparison: GRPO vs GiGPO vs SALT vs SPA vs GRPO+EPO on generated TextWorld games.

Every method trains the embedded SmolLM2-135M (LoRA r 8) from the same start with the same
budget (``recipes/learning/<method>.yaml`` differ only in their ``algorithm`` section), for
several seeds, then is evaluated greedily on the held-out split. Every run starts with the
recipes' SFT warm start on the training games' walkthroughs; the ``sft`` row is that warm
start alone (no RL iteration), the baseline the RL methods must beat. ``ppo`` (token-level
GAE with a critic) and ``reinforce-pp`` (REINFORCE++, the KL in the reward per token) run
when named in ``--methods``. Per method the held-out episodes of all seeds are pooled and
summarised by their success rate and a 95 % Wilson score interval (Wilson 1927;
`agentrl.eval.metrics.wilson_interval`). The pooled episodes share their tasks across
seeds, so the interval is optimistic about seed-to-seed spread; the per-seed rates are
printed beside it.

``--suite credit`` runs the credit-assignment comparison instead (``learning_credit.py``:
toy/fork, the toy/chain control, paired seeds, placebo GiGPO, whitening for all).

Runs are written to ``--run-dir`` (one folder per method, iteration budget and seed); a
finished run (``eval.json`` present) is reused, an unfinished one is restarted, so an
interrupted benchmark picks up where it stopped. The table is rewritten after every run.

    python benchmarks/learning.py [--methods grpo gigpo salt spa grpo-epo] [--seeds 3]
                                  [--iterations 2] [--tasks 2] [--lr X] [--kl X] [--quick]
                                  [--threads 1] [--set KEY=VALUE ...]
                                  [--run-dir /tmp/agentrl-learning]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from agentrl.eval.metrics import wilson_interval

ROOT = Path(__file__).resolve().parent.parent
RECIPES = ROOT / "recipes" / "learning"
RESULTS = Path(__file__).resolve().parent / "results"
METHODS = ("sft", "grpo", "gigpo", "salt", "spa", "grpo-epo", "ppo", "reinforce-pp")
DEFAULT_METHODS = METHODS[:6]  # the comparison; ppo / reinforce-pp on request
WARM_START_ONLY = "sft"  # the grpo recipe with 0 RL iterations


@dataclass
class MethodResult:
    """Held-out outcomes of one method over its seeds."""

    method: str
    successes: list[int] = field(default_factory=list)
    episodes: list[int] = field(default_factory=list)
    train_success: list[float] = field(default_factory=list)
    train_invalid: list[float] = field(default_factory=list)
    mixed_groups: list[float] = field(default_factory=list)  # per run, all iterations
    minutes: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def pooled(self) -> tuple[float, float, float]:
        """(success rate, Wilson low, Wilson high) over all seeds' episodes pooled."""
        wins, trials = sum(self.successes), sum(self.episodes)
        low, high = wilson_interval(wins, trials)
        return (wins / trials if trials else 0.0), low, high


def run_one(
    method: str, seed: int, iterations: int, tasks: int, run_dir: Path, quick: bool,
    lr: float | None = None, kl: float | None = None, extra: tuple[str, ...] = (),
) -> tuple[dict, dict | None, float, float | None]:
    """Train + evaluate one (method, seed); return (eval.json, last metrics, minutes,
    mixed-outcome training groups).

    ``extra`` recipe overrides apply to every run and name its folder (a short digest)."""
    from agentrl.run.loop import train  # heavy import (torch, transformers) only when needed

    recipe = RECIPES / f"{method}.yaml"
    if method == WARM_START_ONLY:
        recipe, iterations = RECIPES / "grpo.yaml", 0
    name = f"{method}-it{iterations}-t{tasks}-s{seed}" + (f"-lr{lr:g}" if lr else "")
    name += f"-kl{kl:g}" if kl and iterations else ""
    name += "-quick" if quick else ""
    name += f"-{hashlib.sha1('|'.join(extra).encode()).hexdigest()[:8]}" if extra else ""
    folder = run_dir / name
    if (folder / "eval.json").exists():
        print(f"reusing finished run {folder}", flush=True)
    else:
        shutil.rmtree(folder, ignore_errors=True)  # never resume a half-finished run
        overrides = [f"name={name}", f"seed={seed}", f"trainer.iterations={iterations}",
                     f"logging.run_dir={run_dir}", f"trainer.tasks_per_iteration={tasks}"]
        overrides += ["eval.num_tasks=4"] if quick else []
        overrides += [f"optim.lr={lr}"] if lr else []
        overrides += [f"algorithm.kl_coef={kl}"] if kl else []
        overrides += list(extra)
        train(recipe, overrides)
    # Wall time of the run: from its recipe copy (written first) to its eval (written last).
    minutes = ((folder / "eval.json").stat().st_mtime
               - (folder / "recipe.yaml").stat().st_mtime) / 60
    result = json.loads((folder / "eval.json").read_text())
    metrics = folder / "metrics.jsonl"
    return result, _last_train_metrics(metrics), minutes, mixed_groups(metrics, tasks)


def _last_train_metrics(path: Path) -> dict | None:
    """The last metrics row that has rollout figures (the final row holds only the eval)."""
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if any("rollout/success" in k for k in _flat_keys(r))]
    return rows[-1] if rows else None


def mixed_groups(path: Path, tasks: int) -> float | None:
    """Training groups with mixed outcomes over a run: Σ_iterations (1 − zero-spread
    fraction) × groups per iteration — the only groups an outcome-based method learns from."""
    if not path.exists():
        return None
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    zero = [z for r in rows if (z := _metric(r, "rollout/zero_spread_groups")) is not None]
    return sum((1.0 - z) * tasks for z in zero) if zero else None


def _flat_keys(row: dict) -> list[str]:
    return list(row) + [k for v in row.values() if isinstance(v, dict) for k in v]


def _metric(row: dict | None, key: str) -> float | None:
    if row is None:
        return None
    if key in row:
        return float(row[key])
    for value in row.values():
        if isinstance(value, dict) and key in value:
            return float(value[key])
    return None


def _mean(values: list[float], digits: int = 2) -> str:
    return f"{sum(values) / len(values):.{digits}f}" if values else "-"


def table(results: list[MethodResult], header: str) -> str:
    """A markdown table of held-out success per method."""
    lines = [header, "",
             "| method | seeds | held-out episodes | success | 95% Wilson CI | per seed "
             "| train success (last iter) | train invalid-action rate "
             "| mixed-outcome groups / run | min/run |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        rate, low, high = r.pooled()
        per_seed = ", ".join(f"{s}/{e}" for s, e in zip(r.successes, r.episodes, strict=True))
        train = _mean(r.train_success)
        invalid = _mean(r.train_invalid)
        minutes = f"{sum(r.minutes) / len(r.minutes):.1f}" if r.minutes else "-"
        errors = f" ({len(r.errors)} failed)" if r.errors else ""
        lines.append(f"| {r.method}{errors} | {len(r.episodes)} | {sum(r.episodes)} "
                     f"| {rate:.3f} | {low:.3f}-{high:.3f} | {per_seed or '-'} "
                     f"| {train} | {invalid} | {_mean(r.mixed_groups, 1)} | {minutes} |")
    lines += ["", "Train success and invalid-action rate are the last iteration's rollout means. "
              "When every episode of a training group gets the same reward (all lost, or, "
              "after the warm start, all won), every outcome-based method gives that group "
              "zero advantages: the methods differ only through groups with mixed outcomes "
              "(counted per run over all iterations)."]
    return "\n".join(lines) + "\n"


def plot(results: list[MethodResult], path: Path) -> None:
    """Bar chart of pooled held-out success per method with Wilson CI error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = [r for r in results if r.episodes]
    if not shown:
        return
    rates = [r.pooled() for r in shown]
    below = [rate - low for rate, low, _ in rates]
    above = [high - rate for rate, _, high in rates]
    figure, axis = plt.subplots(figsize=(6, 3.5))
    axis.bar([r.method for r in shown], [rate for rate, _, _ in rates],
             yerr=[below, above], capsize=6, color="#4c78a8")
    axis.set_ylim(0, 1)
    axis.set_ylabel("held-out success (95% Wilson CI)")
    axis.set_title("TextWorld, SmolLM2-135M + LoRA, equal budget")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=120)
    plt.close(figure)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", nargs="+", default=list(DEFAULT_METHODS), choices=METHODS)
    parser.add_argument("--seeds", type=int, default=3, help="Seeds 0..N-1 per method.")
    parser.add_argument("--iterations", type=int, default=2, help="Training iterations.")
    parser.add_argument("--tasks", type=int, default=2, help="Training tasks per iteration.")
    parser.add_argument("--lr", type=float, default=None,
                        help="RL learning rate (optim.lr); default: the recipes' value.")
    parser.add_argument("--kl", type=float, default=None,
                        help="KL coefficient to the warm-started policy (algorithm.kl_coef); "
                        "default: the recipes' (none).")
    parser.add_argument("--quick", action="store_true",
                        help="Smoke run: 1 seed, 1 iteration of 1 task, 4 held-out tasks.")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (1 is far faster on a shared, busy CPU).")
    parser.add_argument("--set", dest="extra", action="append", default=[],
                        metavar="KEY=VALUE",
                        help="Recipe override for every run, e.g. env.kwargs.difficulty=medium "
                        "or rollout.group_size=8 (repeatable; part of each run's folder name).")
    parser.add_argument("--run-dir", type=Path, default=Path("/tmp/agentrl-learning"))
    parser.add_argument("--results", type=Path, default=RESULTS / "learning.md")
    parser.add_argument("--plot", type=Path, default=RESULTS / "learning.png")
    return parser.parse_args()


def main() -> None:
    suite = argparse.ArgumentParser(add_help=False)
    suite.add_argument("--suite", choices=("textworld", "credit"), default="textworld")
    known, rest = suite.parse_known_args()
    if known.suite == "credit":  # the credit lab's paired comparison: learning_credit.py
        sys.argv = [sys.argv[0], *rest]
        from learning_credit import main as credit_main

        credit_main()
        return
    args = parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.quick:
        args.seeds, args.iterations, args.tasks = 1, 1, 1
    tasks, games = args.tasks, (4 if args.quick else 16)
    header = (f"Held-out success, TextWorld easy (max 3 turns), embedded SmolLM2-135M + LoRA r8, "
              f"SFT warm start (8 steps) then {args.iterations} RL iterations x {tasks} tasks x "
              f"group 4 per run{'' if args.lr is None else f' at RL lr {args.lr:g}'}"
              f"{'' if args.kl is None else f', KL {args.kl:g} to the warm-started policy'} "
              f"('sft': warm start only), {args.seeds} seeds, greedy eval on "
              f"{games} held-out games per seed"
              f"{'' if not args.extra else '; overrides, which replace the values above: '}"
              f"{', '.join(args.extra)}.")
    results = [MethodResult(m) for m in args.methods]
    started = time.monotonic()
    for seed in range(args.seeds):  # seed-major: a cut-short run still covers every method
        for result in results:
            try:
                evaluation, last, minutes, mixed = run_one(
                    result.method, seed, args.iterations, tasks, args.run_dir, args.quick,
                    args.lr, args.kl, tuple(args.extra))
            except Exception as error:  # noqa: BLE001 - one failed run must not end the table
                result.errors.append(f"seed {seed}: {type(error).__name__}: {error}")
                print(f"[{result.method} seed {seed}] FAILED: {error}", flush=True)
                continue
            result.successes.append(int(evaluation["successes"]))
            result.episodes.append(int(evaluation["episodes"]))
            if (train_success := _metric(last, "rollout/success")) is not None:
                result.train_success.append(train_success)
            if (invalid := _metric(last, "rollout/invalid_action_rate")) is not None:
                result.train_invalid.append(invalid)
            if mixed is not None:
                result.mixed_groups.append(mixed)
            result.minutes.append(minutes)
            args.results.parent.mkdir(parents=True, exist_ok=True)
            args.results.write_text(table(results, header))
            plot(results, args.plot)
            print(f"[{result.method} seed {seed}] held-out {evaluation['successes']}/"
                  f"{evaluation['episodes']}; elapsed {(time.monotonic() - started) / 60:.1f} min",
                  flush=True)
    print()
    print(table(results, header))
    for result in results:
        for error in result.errors:
            print(f"{result.method}: {error}")
    print(f"table: {args.results}  plot: {args.plot}")
    print(f"total_minutes: {(time.monotonic() - started) / 60:.1f}")
    for result in results:
        rate, low, high = result.pooled()
        print(f"heldout_success_{result.method}: {rate:.3f} ({low:.3f}-{high:.3f})")


if __name__ == "__main__":
    main()
