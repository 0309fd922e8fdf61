"""`agentrl credit-report`: estimators' advantages against Monte-Carlo truth (`agentrl.lab`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agentrl.lab.methods import DEFAULT_ROWS


def credit_report_command(
    source: Annotated[str, typer.Argument(help="Recipe YAML file or registered env id.")],
    overrides: Annotated[list[str] | None, typer.Argument(
        help="Recipe overrides: dotted.key=value …")] = None,
    tasks: Annotated[int, typer.Option(help="First N tasks of the split.")] = 4,
    split: Annotated[str, typer.Option(help="Task split.")] = "train",
    k: Annotated[int, typer.Option(help="Monte-Carlo continuations per distinct prefix.")] = 4,
    rows: Annotated[str, typer.Option(
        help="Comma-separated rows: estimator[+shaping…] or a control.")] = ",".join(
            DEFAULT_ROWS),
    tabular: Annotated[bool, typer.Option(
        help="Use a uniform tabular softmax policy over the listed admissible actions "
        "(agentrl.policy.tabular) instead of the recipe's model.")] = False,
    seed: Annotated[int, typer.Option(help="Rollout and MC seed.")] = 0,
    draws: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 500,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("credit-report"),
) -> None:
    """Correlate every estimator's per-turn advantages with Monte-Carlo A = Q − V on one
    batch of a frozen policy; writes credit_report.md / .png / .json."""
    from agentrl.lab.report import CreditReportOptions, credit_report
    from agentrl.policy.tabular import TabularPolicy

    options = CreditReportOptions(
        tasks=tasks, split=split, k=k, rows=[r for r in rows.split(",") if r], seed=seed,
        draws=draws, out=out, policy_note="tabular softmax, uniform" if tabular else "")
    path = credit_report(source, overrides or [], options,
                         policy=TabularPolicy() if tabular else None)
    typer.echo(path.read_text())
    typer.echo(f"written: {path}")
