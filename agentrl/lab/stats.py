"""Paired comparisons for the credit tables: differences with intervals, exact sign-flip
p-values, Holm's correction, and a paired group bootstrap for fidelity metrics.

- `paired`: mean of paired differences (seed-paired runs), a 95 % t-interval, and the
  two-sided p of the sign-flip (randomisation) test — exact over all 2^n sign patterns up to
  n = 16, else ``draws`` random patterns.
- `holm`: Holm (1979) step-down adjusted p-values (family-wise error ≤ α for every
  hypothesis together); each table declares one primary contrast, tested alone, and
  corrects the rest with it.
- `paired_group_bootstrap`: a metric's difference between two estimators on the same turns,
  resampling whole groups (turns of a group are not independent), both rows on the same
  resample; a two-sided p from the bootstrap distribution's mass beyond 0.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from agentrl.lab.learning import t_quantile_975


@dataclass
class Difference:
    """A paired difference: mean, 95 % interval, p (raw) and p after correction."""

    mean: float
    low: float
    high: float
    p: float
    p_adjusted: float | None = None
    n: int = 0

    def cell(self, digits: int = 3) -> str:
        """``+0.123 [+0.01, +0.20] p=0.03`` (the adjusted p when there is one)."""
        p = self.p if self.p_adjusted is None else self.p_adjusted
        tag = "p" if self.p_adjusted is None else "p_Holm"
        shown = f"{tag}<0.001" if p < 0.001 else f"{tag}={p:.3f}"
        return f"{self.mean:+.{digits}f} [{self.low:+.{digits}f}, {self.high:+.{digits}f}] {shown}"


def sign_flip_p(differences: Sequence[float], *, draws: int = 20_000, seed: int = 0) -> float:
    """Two-sided p of the paired randomisation test of mean 0 (module docstring)."""
    d = np.asarray(differences, dtype=float)
    if d.size == 0 or not np.any(d):
        return 1.0
    observed = abs(d.mean())
    if d.size <= 16:
        signs = np.array(list(itertools.product((1.0, -1.0), repeat=d.size)))
    else:
        signs = np.random.default_rng(seed).choice((1.0, -1.0), size=(draws, d.size))
    means = np.abs(signs @ d) / d.size
    return float(np.mean(means >= observed - 1e-12))


def paired(differences: Sequence[float]) -> Difference:
    """Mean, 95 % t-interval and sign-flip p of paired differences."""
    d = np.asarray(differences, dtype=float)
    n = d.size
    if n < 2:
        mean = float(d.mean()) if n else float("nan")
        return Difference(mean, float("nan"), float("nan"), 1.0, n=n)
    half = t_quantile_975(n - 1) * float(d.std(ddof=1)) / np.sqrt(n)
    mean = float(d.mean())
    return Difference(mean, mean - half, mean + half, sign_flip_p(d), n=n)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order."""
    order = np.argsort(pvalues, kind="stable")
    m = len(pvalues)
    adjusted = [0.0] * m
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[index]))
        adjusted[index] = running
    return adjusted


def correct(family: dict[str, Difference], primary: str) -> None:
    """Holm-adjust every contrast of ``family`` except ``primary`` (in place)."""
    rest = [name for name in family if name != primary]
    for name, p in zip(rest, holm([family[n].p for n in rest]), strict=True):
        family[name].p_adjusted = p


def paired_group_bootstrap(metric: Callable[[np.ndarray, np.ndarray], float],
                           first: np.ndarray, second: np.ndarray, truth: np.ndarray,
                           groups: np.ndarray, *, draws: int = 1000,
                           seed: int = 0) -> Difference:
    """metric(first, truth) − metric(second, truth), with its group-bootstrap interval."""
    value = metric(first, truth) - metric(second, truth)
    count = int(np.unique(groups).size)
    samples = [metric(first[chosen], truth[chosen]) - metric(second[chosen], truth[chosen])
               for chosen in group_resamples(groups, draws=draws, seed=seed)]
    s = np.asarray([x for x in samples if not np.isnan(x)])
    if not s.size:
        return Difference(value, float("nan"), float("nan"), 1.0, n=count)
    p = min(1.0, 2 * min(np.mean(s <= 0), np.mean(s >= 0)))
    return Difference(value, float(np.percentile(s, 2.5)), float(np.percentile(s, 97.5)),
                      float(p), n=count)


def group_resamples(groups: np.ndarray, *, draws: int = 1000,
                    seed: int = 0) -> Iterator[np.ndarray]:
    """``draws`` bootstrap resamples of whole groups: each the turn indices of as many
    groups as there are, drawn with replacement (the turns of a group stay together)."""
    names = np.unique(groups)
    members = [np.flatnonzero(groups == g) for g in names]
    rng = np.random.default_rng(seed)
    for _ in range(draws):
        yield np.concatenate([members[i] for i in rng.integers(0, names.size, names.size)])


def contrast_lines(family: dict[str, Difference], primary: str, *,
                   column: str = "Δ Pearson [95% CI] p (Holm)",
                   title: str = "Δ Pearson r (paired group bootstrap, 95 % CI)") -> list[str]:
    """A result file's contrast section (markdown lines): the primary contrast, uncorrected,
    then a table of the others with their Holm-adjusted p (`correct` first)."""
    return [f"## Contrasts: {title}", "",
            f"Primary (uncorrected): **{primary}** = {family[primary].cell()}.", "",
            f"| contrast | {column} |", "|---|---|",
            *[f"| {name} | {d.cell()} |" for name, d in family.items() if name != primary]]


def write_contrasts(markdown_path, command: str, primary: str,
                    family: dict[str, Difference], **extra: object) -> None:
    """The contrasts of a result file as JSON beside it (``.json``): ``command``,
    ``primary`` and ``contrasts`` (name → mean, low, high, p, p_adjusted, n), plus
    ``extra``; what ``benchmarks/credit_table.py`` reads."""
    import json
    from dataclasses import asdict
    from pathlib import Path

    data = {"command": command.strip(), "primary": primary,
            "contrasts": {name: asdict(d) for name, d in family.items()}, **extra}
    Path(markdown_path).with_suffix(".json").write_text(json.dumps(data, indent=1) + "\n")


def provenance(script: str, seconds: float, load: Sequence[float],
               end_load: float) -> str:
    """The result file's "Generated by" line: script, date, wall time and the load."""
    import time

    return (f"Generated by `{script}` on {time.strftime('%Y-%m-%d')} in {seconds:.0f} s; load "
            f"average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f} at start, {end_load:.2f} "
            "at the end, on a shared 2-core CPU, one thread, beside other jobs (timings only; "
            "the numbers are seeded).")
