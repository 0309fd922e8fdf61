"""A run's report: a learning-curve PNG and a short markdown summary."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from agentrl.eval.evaluate import EvalResult  # noqa: E402
from agentrl.eval.metrics_file import read_metrics  # noqa: E402
from agentrl.eval.tables import eval_tables  # noqa: E402

CURVES = (
    ("rollout/success", "train success"),
    ("rollout/outcome_reward", "train outcome reward"),
    ("rollout/invalid_action_rate", "invalid action rate"),
    ("loss/policy", "policy loss"),
    ("train/approx_kl", "approx KL"),
    ("train/entropy", "entropy"),
)


def plot_learning_curves(run_dir: Path) -> Path:
    """Six panels of the run's metrics per iteration, held-out success marked; PNG path."""
    rows = read_metrics(run_dir)
    figure, axes = plt.subplots(2, 3, figsize=(12, 6))
    for axis, (key, title) in zip(axes.flat, CURVES, strict=True):
        points = [(r["iteration"], r[key]) for r in rows if key in r]
        if points:
            axis.plot(*zip(*points, strict=True), marker="o")
        axis.set_title(title)
        axis.set_xlabel("iteration")
        if key == "rollout/success":
            evals = [(r["iteration"], r["eval/success"]) for r in rows if "eval/success" in r]
            if evals:
                axis.plot(*zip(*evals, strict=True), marker="s", label="held-out success")
                axis.legend()
    figure.suptitle(run_dir.name)
    figure.tight_layout()
    path = run_dir / "learning_curves.png"
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def write_report(run_dir: Path) -> Path:
    """report.md: the final eval with its CI, the metric table, the plot."""
    rows = read_metrics(run_dir)
    lines = [f"# Run `{run_dir.name}`", ""]
    eval_path = run_dir / "eval.json"
    if eval_path.exists():
        result = json.loads(eval_path.read_text())
        lines += [
            f"**Held-out ({result['split']}) success: {result['success_rate']:.1%}** "
            f"(95 % CI {result['ci_low']:.1%}–{result['ci_high']:.1%}, "
            f"{result['successes']}/{result['episodes']} episodes, "
            f"{result['errored']} errored), mean reward {result['mean_reward']:.3f}, "
            f"mean turns {result['mean_turns']:.1f}.",
            "",
        ]
        if "outcomes" in result:  # written by this version: pass@k and categories
            lines += [*eval_tables(EvalResult.model_validate(result)), ""]
    keys = ["rollout/success", "rollout/outcome_reward", "rollout/episode_len",
            "loss/policy", "train/approx_kl", "perf/iteration_s"]
    lines += ["| iteration | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    for row in (r for r in rows if any(k in r for k in keys)):  # skip eval-only rows
        cells = [f"{row[k]:.4g}" if k in row else "" for k in keys]
        lines.append(f"| {row['iteration']} | " + " | ".join(cells) + " |")
    plot = plot_learning_curves(run_dir)
    lines += ["", f"![learning curves]({plot.name})", "",
              f"Trajectories, curves and tables in the browser: `agentrl view {run_dir}`.", ""]
    path = run_dir / "report.md"
    path.write_text("\n".join(lines))
    return path
