"""An `EvalResult` as markdown tables (report.md, `agentrl eval`'s output)."""

from __future__ import annotations

from agentrl.eval.evaluate import EvalResult, EvalStats


def _row(name: str, stats: EvalStats, ks: list[str]) -> str:
    cells = [name, str(stats.episodes), f"{stats.success_rate:.1%}",
             f"{stats.ci_low:.1%}–{stats.ci_high:.1%}",
             *(f"{stats.pass_at_k[k]:.1%}" if k in stats.pass_at_k else "" for k in ks),
             f"{stats.mean_reward:.3f}", f"{stats.score:.1f}", str(stats.errored)]
    return "| " + " | ".join(cells) + " |"


def eval_tables(result: EvalResult) -> list[str]:
    """Markdown lines: one table with the split's row, then one row per category
    (success, Wilson 95 % CI, pass@k, mean reward, score = 100 × mean reward, errored)."""
    ks = sorted(result.pass_at_k, key=int)
    header = ["", "episodes", "success", "95 % CI", *(f"pass@{k}" for k in ks),
              "mean reward", "score", "errored"]
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|",
             _row(f"**{result.split}**", result, ks)]
    lines += [_row(name, stats, ks) for name, stats in result.per_category.items()]
    return lines
