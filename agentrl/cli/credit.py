"""`agentrl credit-report`: estimators' advantages against Monte-Carlo or exact truth
(`agentrl.lab`)."""

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
    exact: Annotated[bool, typer.Option(
        help="Exact A = Q − V by dynamic programming over the env's reset/step "
        "(agentrl.lab.exact) instead of Monte Carlo: small deterministic worlds that list "
        "their admissible actions; the tabular policy, or the LLM's probabilities of the "
        "listed actions' texts normalised over them (episodes then sampled from that).")
    ] = False,
    returns: Annotated[str, typer.Option(
        help="Exact truth's return: outcome (R, as the estimators), success, or rewards "
        "(the env's immediate rewards).")] = "outcome",
    gamma: Annotated[float, typer.Option(help="Exact truth's discount γ.")] = 1.0,
    share_seeds: Annotated[bool, typer.Option(
        help="Exact truth: the env's reset(task, seed) ignores the seed (the toy worlds), "
        "so one tree per task serves every episode.")] = False,
    memo: Annotated[str, typer.Option(
        help="Exact truth: merge nodes on the state reached (state_key + prompt) or on the "
        "action history (the plain episode tree: for envs whose state_key leaves part of "
        "the state out, e.g. TextWorld).")] = "state",
    max_nodes: Annotated[int, typer.Option(
        help="Exact truth: refuse a world with more decision nodes.")] = 100_000,
    menu: Annotated[int | None, typer.Option(
        help="Free-text envs (tools/search-qa): cut each task's replies to its "
        "demonstration plus MENU other tasks' (agentrl.lab.menu), listed as actions.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Rollout and MC seed.")] = 0,
    draws: Annotated[int, typer.Option(help="Bootstrap resamples.")] = 500,
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("credit-report"),
) -> None:
    """Correlate every estimator's per-turn advantages with A = Q − V (Monte Carlo, or exact
    with --exact) on one batch of a frozen policy; writes credit_report.md / .png / .json."""
    from agentrl.lab.report import CreditReportOptions, credit_report
    from agentrl.policy.tabular import TabularPolicy

    options = CreditReportOptions(
        tasks=tasks, split=split, k=k, rows=[r for r in rows.split(",") if r], seed=seed,
        draws=draws, out=out, policy_note="tabular softmax, uniform" if tabular else "",
        truth="exact" if exact else "mc", returns=returns, gamma=gamma,
        share_seeds=share_seeds, memo=memo, max_nodes=max_nodes, menu=menu)
    path = credit_report(source, overrides or [], options,
                         policy=TabularPolicy() if tabular else None)
    typer.echo(path.read_text())
    typer.echo(f"written: {path}")
