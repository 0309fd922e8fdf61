"""Paired comparison of two evaluations on the same tasks (`agentrl compare A B`).

Episodes are paired by task id (and episode index within the task). The difference in
success (B − A) gets a paired bootstrap CI over tasks and McNemar's test on the discordant
pairs, overall and per task category.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from agentrl.eval.evaluate import EvalResult

EXACT_BELOW = 25  # discordant pairs under which McNemar's test is the exact binomial one


class CompareError(ValueError):
    """The two evaluations cannot be paired (no common task, no per-episode outcomes)."""


def mcnemar(b: int, c: int) -> tuple[float, str]:
    """Two-sided McNemar test (McNemar 1947) of ``b`` pairs where only A succeeded against
    ``c`` where only B did; (p-value, method).

    Under H0 each discordant pair is A-only with probability ½. With n = b + c < 25 the
    exact binomial test: p = min(1, 2 Σ_{i ≤ min(b, c)} C(n, i) / 2ⁿ). Otherwise the χ²
    statistic with continuity correction, χ² = (|b − c| − 1)² / (b + c), on 1 degree of
    freedom: p = erfc(√(χ²/2)).
    """
    n = b + c
    if n == 0:
        return 1.0, "exact binomial"
    if n < EXACT_BELOW:
        tail = sum(math.comb(n, i) for i in range(min(b, c) + 1)) / 2**n
        return min(1.0, 2 * tail), "exact binomial"
    statistic = (abs(b - c) - 1) ** 2 / n
    return math.erfc(math.sqrt(statistic / 2)), "chi-square (continuity-corrected)"


def paired_bootstrap(differences: list[float], *, resamples: int = 10_000, seed: int = 0,
                     confidence: float = 0.95) -> tuple[float, float]:
    """Percentile bootstrap CI (Efron & Tibshirani 1993, ch. 13) of the mean of per-task
    paired ``differences``: tasks are resampled with replacement, so the pairing (and the
    correlation of A and B on a task) is kept."""
    if not differences:
        return 0.0, 0.0
    rng = np.random.default_rng(seed)
    values = np.asarray(differences, dtype=float)
    draws = rng.integers(0, len(values), size=(resamples, len(values)))
    means = values[draws].mean(axis=1)
    alpha = (1 - confidence) / 2
    low, high = np.quantile(means, [alpha, 1 - alpha])
    return float(low), float(high)


class PairedStats(BaseModel):
    """B against A on the paired episodes of a set of tasks."""

    tasks: int
    pairs: int = Field(description="Paired episodes.")
    success_a: float
    success_b: float
    difference: float = Field(description="success_b − success_a.")
    ci_low: float = Field(description="Paired bootstrap 95 % CI of the difference, low.")
    ci_high: float = Field(description="Paired bootstrap 95 % CI of the difference, high.")
    only_a: int = Field(description="Pairs where only A succeeded (McNemar's b).")
    only_b: int = Field(description="Pairs where only B succeeded (McNemar's c).")
    p_value: float = Field(description="Two-sided McNemar p-value.")
    test: str = Field(description="Which form of McNemar's test gave the p-value.")


class Comparison(PairedStats):
    """The whole comparison: overall, per category, and what could not be paired."""

    name_a: str
    name_b: str
    only_in_a: list[str] = Field(default_factory=list, description="Tasks A alone has.")
    only_in_b: list[str] = Field(default_factory=list, description="Tasks B alone has.")
    per_category: dict[str, PairedStats] = Field(default_factory=dict)


def _paired_stats(pairs: dict[str, list[tuple[bool, bool]]], seed: int) -> PairedStats:
    flat = [p for task in pairs.values() for p in task]
    only_a = sum(a and not b for a, b in flat)
    only_b = sum(b and not a for a, b in flat)
    p_value, test = mcnemar(only_a, only_b)
    per_task = [sum(b - a for a, b in task) / len(task) for task in pairs.values()]
    low, high = paired_bootstrap(per_task, seed=seed)
    count = max(1, len(flat))
    success_a = sum(a for a, _ in flat) / count
    success_b = sum(b for _, b in flat) / count
    return PairedStats(
        tasks=len(pairs), pairs=len(flat), success_a=success_a, success_b=success_b,
        difference=success_b - success_a, ci_low=low, ci_high=high, only_a=only_a,
        only_b=only_b, p_value=p_value, test=test,
    )


def compare_results(a: EvalResult, b: EvalResult, *, name_a: str = "A", name_b: str = "B",
                    seed: int = 0) -> Comparison:
    """Pair ``a`` and ``b`` by task id (episode i of a task with episode i) and compare.

    `CompareError` when they share no task or lack per-episode outcomes.
    """
    for name, result in ((name_a, a), (name_b, b)):
        if not result.outcomes:
            raise CompareError(f"{name}: the eval has no per-episode outcomes (written by "
                               "agentrl before pairing existed); evaluate it again")
    common = [task for task in a.outcomes if task in b.outcomes]
    if not common:
        raise CompareError(
            f"{name_a} and {name_b} share no task: {name_a} has "
            f"{_preview(list(a.outcomes))}, {name_b} has {_preview(list(b.outcomes))}; "
            "evaluate both on the same env, split and eval.num_tasks"
        )
    pairs = {task: list(zip(a.outcomes[task], b.outcomes[task], strict=False))
             for task in common}
    categories = {task: a.task_category.get(task) or b.task_category.get(task)
                  for task in common}
    per_category = {
        category: _paired_stats({t: p for t, p in pairs.items() if categories[t] == category},
                                seed)
        for category in sorted({c for c in categories.values() if c is not None})
    }
    return Comparison(
        **_paired_stats(pairs, seed).model_dump(), name_a=name_a, name_b=name_b,
        only_in_a=[t for t in a.outcomes if t not in b.outcomes],
        only_in_b=[t for t in b.outcomes if t not in a.outcomes],
        per_category=per_category,
    )


def _preview(names: list[str]) -> str:
    shown = ", ".join(names[:3])
    return f"{len(names)} tasks ({shown}{', …' if len(names) > 3 else ''})"


def load_eval(path: Path) -> EvalResult:
    """An `EvalResult` from an eval.json file or a run folder holding one."""
    file = path / "eval.json" if path.is_dir() else path
    if not file.exists():
        raise CompareError(f"{path}: no eval.json there; run `agentrl eval` on it first")
    try:
        return EvalResult.model_validate(json.loads(file.read_text()))
    except (json.JSONDecodeError, ValueError) as error:
        raise CompareError(f"{file}: not an agentrl eval file ({error})") from None


def format_comparison(comparison: Comparison) -> str:
    """A plain-text table: overall, then one row per category."""
    header = (f"{'':<28} {'tasks':>5} {'pairs':>5} {comparison.name_a[:10]:>10} "
              f"{comparison.name_b[:10]:>10} {'B-A':>7} {'95% CI':>17} {'b':>3} {'c':>3} "
              f"{'p':>7}")
    rows = [header, _row("all", comparison)]
    rows += [_row(name, stats) for name, stats in comparison.per_category.items()]
    notes = [f"McNemar: {comparison.test}; b = only A succeeded, c = only B succeeded; "
             "CI: paired bootstrap over tasks"]
    for name, missing in ((comparison.name_a, comparison.only_in_a),
                          (comparison.name_b, comparison.only_in_b)):
        if missing:
            notes.append(f"not paired: {len(missing)} tasks only in {name}")
    return "\n".join(rows + notes)


def _row(name: str, s: PairedStats) -> str:
    return (f"{name[:28]:<28} {s.tasks:>5} {s.pairs:>5} {s.success_a:>10.1%} "
            f"{s.success_b:>10.1%} {s.difference:>+7.1%} "
            f"{f'[{s.ci_low:+.1%}, {s.ci_high:+.1%}]':>17} {s.only_a:>3} {s.only_b:>3} "
            f"{s.p_value:>7.3g}")
