"""Does the main job learn? Held-out success after RL vs its own SFT warm start, paired by seed.

For each seed the quickstart recipe (``recipes/textworld-grpo.yaml`` by default) runs twice in
one run folder:

1. ``trainer.iterations=0``: the SFT warm start alone, then the greedy held-out eval
   (kept as ``eval_warm.json``);
2. the recipe's RL iterations, resumed from that warm start's checkpoint 0 (so both phases
   share the very same warm-started weights), then the same greedy held-out eval
   (``eval_rl.json``).

The held-out split is widened to ``--heldout`` games (16 by default; the recipe's own 4 are
too few to resolve a difference), identical for both phases and every seed. Per seed the
difference d = success after RL − success of the warm start is paired; the table gives the
mean of d with a 95 % Student-t interval over seeds and the exact two-sided sign test
(`agentrl.lab.learning.paired_summary`), each seed's numbers, and the mean training-success
curve (``rollout/success`` per iteration, sampled at the recipe's temperature).

A finished phase is reused (its ``eval_*.json`` present), so an interrupted benchmark picks up
where it stopped; the result file is rewritten after every seed, with the command, the date,
the machine's cores and its load average at the start and the end.

    python benchmarks/quickstart_learning.py [--seeds 8] [--iterations N] [--heldout 16]
        [--recipe recipes/textworld-grpo.yaml] [--set KEY=VALUE ...]
        [--run-dir /tmp/agentrl-quickstart-learning]
        [--results benchmarks/results/quickstart-learning-run.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import resource
import shlex
import shutil
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
DEFAULT_RECIPE = ROOT / "recipes" / "textworld-grpo.yaml"


@dataclass
class SeedResult:
    """One seed's paired held-out outcomes and its training curve."""

    seed: int
    warm: int  # held-out successes of the warm start
    rl: int  # held-out successes after RL
    episodes: int
    train_success: list[float] = field(default_factory=list)  # per iteration
    first_round_success: list[float] = field(default_factory=list)  # before resampling
    approx_kl: list[float] = field(default_factory=list)
    mixed_fraction: list[float] = field(default_factory=list)
    signal_turns: int = 0  # turns whose advantage was not 0, over all iterations
    turns: int = 0  # turns trained on, over all iterations
    rl_minutes: float = 0.0
    warm_cpu_s: float = float("nan")  # CPU seconds (user + system) of the warm-start phase
    rl_cpu_s: float = float("nan")  # CPU seconds of the RL phase

    @property
    def difference(self) -> float:
        """Success rate after RL minus the warm start's."""
        return (self.rl - self.warm) / self.episodes


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (the platform's name elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, as `uptime` prints them."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_seconds() -> float:
    """User + system CPU seconds this process has used so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed_train(recipe: Path, overrides: list[str], folder: Path, phase: str) -> None:
    """``train(recipe, overrides)``, then its CPU seconds written to ``folder/cpu_<phase>.txt``."""
    from agentrl.run.loop import train  # torch and transformers only when running

    before = cpu_seconds()
    train(recipe, overrides)
    (folder / f"cpu_{phase}.txt").write_text(f"{cpu_seconds() - before:.1f}\n")


def _read_number(path: Path) -> float:
    """The number in ``path``; NaN when the file is missing (a run from an older script)."""
    return float(path.read_text()) if path.exists() else float("nan")


def first_round_success(rollouts: Path) -> list[float]:
    """Per iteration, the success rate of its first round of rollouts: with dynamic sampling
    on, ``rollout/success`` is the kept batch's, which resampling biases towards mixed groups;
    the first round (each group member's first episode, in the order they were written) is
    the policy's own. Without dynamic sampling the two are equal."""
    seen: set[tuple[str, int]] = set()
    wins: dict[str, list[bool]] = {}
    lines = rollouts.read_text().splitlines() if rollouts.exists() else []
    for episode in (json.loads(line) for line in lines if line.strip()):
        key = (episode["group_id"], episode["member"])
        if key not in seen:
            seen.add(key)
            wins.setdefault(episode["group"]["scope"], []).append(bool(episode["success"]))
    order = sorted(wins, key=lambda scope: int(scope.strip("it/") or 0))
    return [sum(wins[scope]) / len(wins[scope]) for scope in order]


def run_seed(recipe: Path, seed: int, iterations: int | None, heldout: int,
             extra: list[str], run_dir: Path, collect_only: bool = False) -> SeedResult:
    """Warm start + eval, then RL resumed from the warm start + eval, for one seed
    (``collect_only``: read the seed's finished run in ``run_dir``, train nothing)."""
    digest = hashlib.sha1("|".join([recipe.read_text(), str(iterations), *extra]).encode())
    name = f"{recipe.stem}-s{seed}-h{heldout}-{digest.hexdigest()[:8]}"
    folder = run_dir / name
    if collect_only:  # whatever finished run of this seed the folder holds
        found = sorted(run_dir.glob(f"{recipe.stem}-s{seed}-h{heldout}-*/eval_rl.json"))
        folder = found[0].parent if len(found) == 1 else folder
    common = [f"name={name}", f"seed={seed}", f"logging.run_dir={run_dir}",
              "logging.progress=false", "logging.tensorboard=false",
              f"env.kwargs.tasks_per_split.heldout={heldout}", "eval.split=heldout",
              f"eval.num_tasks={heldout}", "eval.episodes_per_task=1", *extra]
    if collect_only:
        if not (folder / "eval_rl.json").exists():
            raise FileNotFoundError(f"{folder}: no finished run to collect")
    elif not (folder / "eval_warm.json").exists():
        shutil.rmtree(folder, ignore_errors=True)  # never resume a half-finished run
        _timed_train(recipe, [*common, "trainer.iterations=0"], folder, "warm")
        shutil.copy(folder / "eval.json", folder / "eval_warm.json")
    started = time.monotonic()
    if not collect_only and not (folder / "eval_rl.json").exists():
        _timed_train(recipe, [*common] + ([f"trainer.iterations={iterations}"] if iterations
                                          else []), folder, "rl")
        shutil.copy(folder / "eval.json", folder / "eval_rl.json")
        (folder / "rl_minutes.txt").write_text(f"{(time.monotonic() - started) / 60:.3f}\n")
    warm = json.loads((folder / "eval_warm.json").read_text())
    rl = json.loads((folder / "eval_rl.json").read_text())
    if warm["episodes"] != rl["episodes"]:
        raise RuntimeError(f"{folder}: the two evals differ in size "
                           f"({warm['episodes']} vs {rl['episodes']} episodes)")
    rows = [json.loads(line) for line in (folder / "metrics.jsonl").read_text().splitlines()
            if line.strip()]
    rows = [r for r in rows if "rollout/success" in r]
    return SeedResult(
        seed, warm["successes"], rl["successes"], rl["episodes"],
        [r["rollout/success"] for r in rows], first_round_success(folder / "rollouts.jsonl"),
        [r.get("train/approx_kl", 0.0) for r in rows],
        [r.get("rollout/mixed_group_fraction", float("nan")) for r in rows],
        int(sum(r.get("train/turns_with_signal", 0) for r in rows)),
        int(sum(r.get("train/turns", 0) for r in rows)),
        _read_number(folder / "rl_minutes.txt"), _read_number(folder / "cpu_warm.txt"),
        _read_number(folder / "cpu_rl.txt"))


def shown_path(path: Path) -> str:
    """``path`` relative to the repository when inside it."""
    path = path.resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def mean_curve(curves: list[list[float]]) -> list[float]:
    """Per-iteration mean over the seeds that reached that iteration."""
    length = max((len(c) for c in curves), default=0)
    return [sum(c[i] for c in curves if len(c) > i) / sum(len(c) > i for c in curves)
            for i in range(length)]


def slope(values: list[float]) -> float:
    """Least-squares slope of ``values`` against their index (0 for fewer than 2 values)."""
    n = len(values)
    if n < 2:
        return 0.0
    x_mean, y_mean = (n - 1) / 2, sum(values) / n
    numerator = sum((i - x_mean) * (y - y_mean) for i, y in enumerate(values))
    return numerator / sum((i - x_mean) ** 2 for i in range(n))


def report(results: list[SeedResult], args: argparse.Namespace, started: str,
           load_start: str, seconds: float) -> str:
    """The markdown result: setup, per-seed table, paired summary, mean training curve."""
    from agentrl.lab.learning import paired_summary

    summary = paired_summary([r.difference for r in results])
    curve = mean_curve([r.first_round_success for r in results])
    rising = paired_summary([slope(r.first_round_success) for r in results])
    kl = [k for r in results for k in r.approx_kl]
    lines = [
        f"# Quickstart learning: held-out success after RL vs the SFT warm start ({args.label})",
        "",
        f"Command: `{' '.join(shlex.quote(a) for a in ['python', *sys.argv])}`",
        f"Date: {started} · machine: {os.cpu_count()} cores, {cpu_model()} · "
        f"load average (1, 5, 15 min) at start {load_start}, at end {load_average()} "
        "(the machine is shared; wall times are inflated by the other jobs).",
        f"Recipe: `{shown_path(Path(args.recipe))}`; overrides: "
        f"{', '.join(args.set) or 'none'}; held-out: the first {args.heldout} "
        "held-out games, greedy, one episode each, the same for both phases and every seed.",
        (f"Collected (--collect, nothing trained) from the finished runs in {args.run_dir}; "
         "the date and load above are the collection's, not the runs'."
         if args.collect else f"Seeds finished: {len(results)} in {seconds / 60:.1f} min."),
        "",
        "| seed | warm start | after RL | d | training success per iteration (first round) | "
        "mixed-outcome groups per iteration | turns with signal | approx_kl (mean) | "
        "RL phase min | CPU s: warm phase, RL phase |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        train = " ".join(f"{s:.2f}" for s in r.first_round_success)
        mixed = " ".join(f"{m:.2f}" for m in r.mixed_fraction)
        mean_kl = sum(r.approx_kl) / len(r.approx_kl) if r.approx_kl else 0.0
        lines.append(f"| {r.seed} | {r.warm}/{r.episodes} | {r.rl}/{r.episodes} | "
                     f"{r.difference:+.3f} | {train} | {mixed} | {r.signal_turns} of "
                     f"{r.turns} | {mean_kl:.2g} | {r.rl_minutes:.1f} | "
                     f"{r.warm_cpu_s:.0f}, {r.rl_cpu_s:.0f} |")
    warm = sum(r.warm for r in results) / max(1, sum(r.episodes for r in results))
    after = sum(r.rl for r in results) / max(1, sum(r.episodes for r in results))
    lines += [
        "",
        f"Held-out success pooled: warm start {warm:.3f}, after RL {after:.3f}.",
        f"Paired difference (after RL − warm start), mean over {len(results)} seeds: "
        f"**{summary['mean']:+.3f}**, 95% t-CI [{summary['low']:+.3f}, {summary['high']:+.3f}]; "
        f"seeds better/worse {summary['wins']}/{summary['losses']}, exact sign-test "
        f"p = {summary['p_sign']:.3f}.",
        "",
        "Mean training success per iteration (each iteration's first round of sampled "
        "episodes, at the recipe's temperature, before any dynamic-sampling resample): "
        + " ".join(f"{s:.2f}" for s in curve) + ".",
        f"Slope of each seed's training-success curve (least squares, per iteration), mean "
        f"over seeds: **{rising['mean']:+.3f}**, 95% t-CI [{rising['low']:+.3f}, "
        f"{rising['high']:+.3f}]; seeds rising/falling {rising['wins']}/{rising['losses']}, "
        f"sign-test p = {rising['p_sign']:.3f}.",
        f"approx_kl over all iterations and seeds: min {min(kl, default=0):.2g}, "
        f"max {max(kl, default=0):.2g}.",
    ]
    return "\n".join(lines) + "\n"


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipe", default=str(DEFAULT_RECIPE))
    parser.add_argument("--seeds", type=int, default=8, help="Seeds 0..N-1.")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--iterations", type=int, default=None,
                        help="RL iterations (default: the recipe's).")
    parser.add_argument("--heldout", type=int, default=16, help="Held-out games evaluated.")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="Recipe overrides for both phases of every seed.")
    parser.add_argument("--run-dir", default="/tmp/agentrl-quickstart-learning")
    parser.add_argument("--results", default=str(RESULTS / "quickstart-learning-run.md"))
    parser.add_argument("--label", default="recipe as shipped")
    parser.add_argument("--collect", action="store_true",
                        help="Train nothing: report the finished runs in --run-dir (one per "
                        "seed), e.g. after running parts of the seeds in parallel.")
    return parser.parse_args()


def main() -> None:
    """Run every seed, rewriting the result file (and its JSON) after each."""
    args = parse_args()
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    load_start, clock = load_average(), time.monotonic()
    results: list[SeedResult] = []
    out = Path(args.results)
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        try:
            results.append(run_seed(Path(args.recipe).resolve(), seed, args.iterations,
                                    args.heldout, args.set, Path(args.run_dir), args.collect))
        except FileNotFoundError as error:  # --collect: a seed not finished yet
            print(f"skipped: {error}", flush=True)
            continue
        text = report(results, args, started, load_start, time.monotonic() - clock)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text)
        out.with_suffix(".json").write_text(json.dumps([asdict(r) for r in results], indent=1))
        print(text, flush=True)


if __name__ == "__main__":
    main()
