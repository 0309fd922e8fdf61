"""`agentrl credit-report`: every estimator's advantages against Monte-Carlo truth, on one
batch collected as training collects it, with controls and diagnostics.

1. Groups are rolled out by the recipe's (frozen) policy — after the recipe's SFT warm
   start when it has one, the policy RL would start from — with the recipe's rollout
   options (``RolloutRunner.run``, reset seeds ``seed + slot`` as in training).
2. Â^MC per turn (`agentrl.lab.montecarlo`): K continuations per distinct prefix.
3. Each row (`agentrl.lab.methods`) is scored against Â^MC (`agentrl.lab.fidelity`),
   on all turns and on the turns of mixed-outcome groups, with bootstrap CIs over groups.
4. Diagnostics: the step-group (anchor) size histogram, the fraction of turns in
   non-singleton step groups, the fraction of mixed groups.
Writes ``credit_report.md``, ``credit_report.png``, ``credit_report.json`` and
``credit_turns.jsonl`` (every scored turn with Â^MC and each row's estimate) to the output
folder and returns the markdown path.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from agentrl.core.registry import registered
from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.advantages.gigpo import anchor_codes
from agentrl.lab.exact import GameGraph, NotEnumerable, evaluate, exact_advantages
from agentrl.lab.fidelity import Interval, fidelity_row
from agentrl.lab.methods import DEFAULT_ROWS, check_rows, estimate
from agentrl.lab.montecarlo import ContinuationRunner, ReplayError, mc_advantages
from agentrl.lab.scorers import (
    ActionScorer,
    LLMScorer,
    ScoredPolicy,
    TabularScorer,
    action_reply,
)
from agentrl.policy.tabular import TabularPolicy
from agentrl.rollout.dynamic_sampling import is_mixed
from agentrl.run.recipe import Recipe, load_recipe


@dataclass
class CreditReportOptions:
    """What `credit_report` measures, and where it writes."""

    tasks: int = 4  # first N tasks of the split
    split: str = "train"
    k: int = 4  # continuations per distinct prefix
    rows: list[str] = field(default_factory=lambda: list(DEFAULT_ROWS))
    seed: int = 0
    draws: int = 500  # bootstrap resamples
    out: Path = Path("credit-report")
    policy_note: str = ""  # how the policy was made, for the table header
    progress: bool = False
    truth: str = "mc"  # "mc": Monte-Carlo continuations; "exact": DP (agentrl.lab.exact)
    returns: str = "outcome"  # exact truth's return: outcome, success or rewards
    gamma: float = 1.0  # exact truth's discount
    share_seeds: bool = False  # exact truth: the env's reset ignores the seed (one tree/task)
    memo: str = "state"  # exact truth: merge nodes on state (state_key + prompt) or history
    max_nodes: int = 100_000  # exact truth: refuse a larger world (NotEnumerable)
    menu: int | None = None  # wrap the env in agentrl.lab.menu.MenuEnv with this many others


def resolve_recipe(source: str | Path | Recipe | dict, overrides: list[str]) -> Recipe:
    """A recipe file, a `Recipe` or dict, or a registered env id (then a default recipe)."""
    if isinstance(source, Recipe | dict):
        return load_recipe(source, overrides)
    if Path(source).exists():
        return load_recipe(source, overrides)
    if str(source) in registered() or ":" in str(source):
        return load_recipe({"name": "credit-report", "env": {"id": str(source)}}, overrides)
    raise FileNotFoundError(f"{source!r} is neither a recipe file nor a registered env id; "
                            f"envs: {', '.join(registered())}")


def flat(rows: list[list[float]], trajectories: list[Trajectory]) -> np.ndarray:
    """The per-turn values of the non-errored trajectories, row-major."""
    return np.asarray([a for row, t in zip(rows, trajectories, strict=True) if not t.errored
                       for a in row], dtype=float)


def diagnostics(trajectories: list[Trajectory]) -> dict[str, object]:
    """Step-group size histogram (turns per anchor group), non-singleton turn fraction,
    mixed-outcome group fraction, success rate."""
    batch = TurnBatch.of(trajectories)
    codes = anchor_codes(batch, None)
    sizes = np.bincount(codes) if codes.size else np.zeros(0, dtype=int)
    histogram = Counter(int(s) for s in sizes if s)
    turn_group_size = sizes[codes] if codes.size else sizes
    groups: dict[str, list[Trajectory]] = {}
    for t in trajectories:
        groups.setdefault(t.group_id, []).append(t)
    valid = [t for t in trajectories if not t.errored]
    return {
        "step_group_sizes": dict(sorted(histogram.items())),
        "turns_in_non_singleton_step_groups": float(np.mean(turn_group_size > 1))
        if codes.size else 0.0,
        "mixed_group_fraction": sum(map(is_mixed, groups.values())) / max(1, len(groups)),
        "success": float(np.mean([t.success for t in valid])) if valid else 0.0,
        "turns": int(codes.size),
        "groups": len(groups),
    }


def credit_report(source: str | Path | Recipe | dict, overrides: list[str] = (),
                  options: CreditReportOptions | None = None, policy: object = None) -> Path:
    """Run the report (module docstring); ``policy`` replaces the recipe's (a `Policy`)."""
    from agentrl.run.loop import load_policy, run_warm_start
    from agentrl.run.preflight import check_recipe, env_factory

    options = options or CreditReportOptions()
    recipe = resolve_recipe(source, list(overrides))
    check_rows(options.rows)
    env = with_menu(lambda: check_recipe(recipe), options.menu)()
    tasks = list(env.tasks(options.split))[: options.tasks]
    options.out.mkdir(parents=True, exist_ok=True)
    warmed = ""
    try:
        if policy is None:
            policy = load_policy(recipe)
            if recipe.warm_start.steps:  # the policy RL would start from: after its SFT steps
                run_warm_start(recipe, policy, env, list(env.tasks(recipe.env.train_split)),
                               options.out)
                warmed = f" after {recipe.warm_start.steps} SFT warm-start steps"
    finally:
        env.close()
    scorer = None
    if options.truth == "exact":
        scorer, policy = exact_scorer(policy, recipe)
    make_env = with_menu(env_factory(recipe, timeout_s=recipe.rollout.step_timeout_s),
                         options.menu)
    runner = ContinuationRunner(make_env, policy, recipe.rollout)
    started = time.monotonic()
    try:
        trajectories = runner.run(tasks, seed=options.seed, group_prefix="credit/",
                                  progress=options.progress)
        rolled = time.monotonic()
        reset_seeds = [options.seed + slot for slot in range(len(trajectories))]
        try:
            if scorer is not None:
                truth_rows, exact_nodes = exact_truth(make_env, recipe, scorer, trajectories,
                                                      reset_seeds, options)
            else:
                truth_rows = mc_advantages(runner, trajectories, reset_seeds, options.k,
                                           seed=options.seed + 1_000_003)
        except (ReplayError, NotEnumerable) as error:
            path = options.out / "credit_report.md"
            path.write_text(f"# Credit report: {recipe.env.id}\n\nSkipped: {error}\n")
            print(f"credit-report: {recipe.env.id} skipped: {error}")
            return path
    finally:
        runner.close()
    finished = time.monotonic()
    truth = flat(truth_rows, trajectories)
    group_ids = np.asarray([t.group_id for t in trajectories if not t.errored
                            for _ in t.turns])
    mixed_groups = {t.group_id for t in trajectories if is_mixed(
        [u for u in trajectories if u.group_id == t.group_id])}
    mixed = np.asarray([g in mixed_groups for g in group_ids], dtype=bool)
    estimates = {spec: flat(estimate(spec, trajectories), trajectories) for spec in options.rows}
    rows = {spec: fidelity_row(values, truth, group_ids, mixed, draws=options.draws,
                               seed=options.seed) for spec, values in estimates.items()}
    info = diagnostics(trajectories) | {
        "env": recipe.env.id, "env_kwargs": recipe.env.kwargs,
        "model": (type(policy).__name__ if options.policy_note
                  else recipe.policy.model + warmed),
        "policy_note": options.policy_note, "tasks": len(tasks),
        "group_size": recipe.rollout.group_size, "k": options.k, "split": options.split,
        "truth": truth_note(options, exact_nodes if scorer is not None else None),
        "markov_prompts": not recipe.rollout.prompt.note_omitted_turns
        and recipe.rollout.prompt.history == "last_k" and recipe.rollout.prompt.k == 0,
        "rollout_s": rolled - started, "mc_s": finished - rolled,
        "rms": {spec: float(np.sqrt(np.mean(v ** 2))) if v.size else 0.0
                for spec, v in estimates.items()},
    }
    write_outputs(options.out, rows, info, estimates, truth, mixed)
    write_turns(options.out / "credit_turns.jsonl", trajectories, truth, estimates)
    return options.out / "credit_report.md"


def truth_note(options: CreditReportOptions, exact_nodes: int | None) -> str:
    """How the truth was computed, for the report's header (None nodes: Monte Carlo)."""
    menu = (f"; replies cut to a menu (own + {options.menu} other tasks' demonstrations)"
            if options.menu is not None else "")
    if exact_nodes is None:
        return (f"Monte-Carlo A = Q − V with K = {options.k} continuations per distinct "
                f"prefix{menu}")
    return (f"exact A = Q − V by DP over {exact_nodes} nodes (memo {options.memo}, returns "
            f"{options.returns}, γ {options.gamma:g}){menu}")


def with_menu(make_env, others: int | None):
    """``make_env`` wrapped in a `MenuEnv` with ``others`` other tasks' replies (None: as is)."""
    if others is None:
        return make_env
    from agentrl.lab.menu import MenuEnv

    return lambda: MenuEnv(make_env(), others=others)


def exact_scorer(policy: object, recipe: Recipe) -> tuple[ActionScorer, object]:
    """(scorer, the policy episodes are sampled from) for the exact truth: the tabular
    policy itself; an LLM restricted to the listed actions (`agentrl.lab.scorers`); a
    `ScoredPolicy` as it is."""
    temperature = recipe.rollout.sampling.temperature
    if isinstance(policy, TabularPolicy):
        return TabularScorer(policy, temperature), policy
    if isinstance(policy, ScoredPolicy):  # a scorer made by the caller (its memo reused)
        return policy.scorer, policy
    if hasattr(policy, "render") and hasattr(policy, "score"):
        scorer = LLMScorer(policy, recipe.rollout.prompt.response_prefix, temperature)
        return scorer, ScoredPolicy(scorer, recipe.rollout.prompt.response_prefix)
    raise TypeError(f"exact truth needs a policy that scores actions; {type(policy).__name__} "
                    "does not (use the Monte-Carlo truth)")


def exact_truth(make_env, recipe: Recipe, scorer: ActionScorer,
                trajectories: list[Trajectory], reset_seeds: list[int],
                options: CreditReportOptions) -> tuple[list[list[float]], int]:
    """(A^π per turn by DP, the number of nodes enumerated)."""
    graph = GameGraph(make_env, recipe.rollout.prompt, reply=action_reply,
                      max_turns=recipe.rollout.max_turns, share_seeds=options.share_seeds,
                      memo=options.memo, max_nodes=options.max_nodes)
    try:
        for trajectory, seed in zip(trajectories, reset_seeds, strict=True):
            graph.root(trajectory.task, seed)
        values = evaluate(graph, scorer, returns=options.returns, gamma=options.gamma)
        return exact_advantages(graph, values, trajectories, reset_seeds), len(graph.nodes)
    finally:
        graph.close()


def write_turns(path: Path, trajectories: list[Trajectory], truth: np.ndarray,
                estimates: dict[str, np.ndarray]) -> None:
    """One JSON line per scored turn, in `flat`'s order: its group, episode, turn index,
    state key, action, the episode's success, Â^MC and every row's estimate — the raw data
    behind the table, for analyses it does not make."""
    scored = ((episode, trajectory, index, turn)
              for episode, trajectory in enumerate(trajectories) if not trajectory.errored
              for index, turn in enumerate(trajectory.turns))
    with path.open("w") as handle:
        for i, (episode, trajectory, index, turn) in enumerate(scored):
            record = {"group": trajectory.group_id, "episode": episode, "turn": index,
                      "state_key": turn.state_key, "action": turn.action,
                      "success": bool(trajectory.success), "mc": float(truth[i]),
                      "estimates": {spec: float(v[i]) for spec, v in estimates.items()}}
            handle.write(json.dumps(record) + "\n")


COLUMNS = ("pearson", "spearman", "sign", "projection")


def markdown(rows: dict[str, dict[str, Interval]], info: dict[str, object]) -> str:
    """The report's table and diagnostics as markdown."""
    policy = f"{info['model']}" + (f" ({info['policy_note']})" if info["policy_note"] else "")
    lines = [
        f"# Credit report: {info['env']} {info['env_kwargs'] or ''}",
        "",
        f"Policy (frozen): {policy}. {info['tasks']} {info['split']} tasks × group "
        f"{info['group_size']} = {info['groups']} groups, {info['turns']} turns; "
        f"{info['truth']} (rollout {info['rollout_s']:.0f} s, truth {info['mc_s']:.0f} s). "
        f"Prompts {'Markov in the env state' if info['markov_prompts'] else 'not Markov'}"
        " (history, k and the omitted-turns note). "
        f"Values: estimate [95% bootstrap CI over groups].",
        "",
        "| row | RMS | " + " | ".join(COLUMNS) + " | " +
        " | ".join(f"mixed: {c}" for c in COLUMNS) + " |",
        "|---|---|" + "---|" * (2 * len(COLUMNS)),
    ]
    rms = info["rms"]
    for spec, row in rows.items():
        cells = [str(row[c]) for c in COLUMNS]
        cells += [str(row.get(f"mixed/{c}", Interval(float("nan"), 0, 0))) for c in COLUMNS]
        lines.append(f"| {spec} | {rms[spec]:.2f} | " + " | ".join(cells) + " |")
    sizes = ", ".join(f"{size}: {count}" for size, count in info["step_group_sizes"].items())
    lines += [
        "",
        "| diagnostic | value |", "|---|---|",
        f"| success rate of the batch | {info['success']:.2f} |",
        f"| groups with mixed outcomes | {info['mixed_group_fraction']:.2f} |",
        f"| turns in non-singleton step groups | "
        f"{info['turns_in_non_singleton_step_groups']:.2f} |",
        f"| step-group sizes (size: number of groups) | {sizes} |",
        "",
        "pearson / spearman: correlation of the row's per-turn advantage with the MC "
        "advantage; sign: among turns with MC advantage ≠ 0, the fraction whose estimate has "
        "the same sign (0 counts as wrong); projection: E[Â·A^MC] (scales with magnitude — "
        "compare gigpo with grpo@gigpo-rms, GRPO at GiGPO's RMS). gigpo-placebo: anchor "
        "groups shuffled within each episode group (same size histogram). 'mixed': turns of "
        "groups whose outcomes differ. MC noise (K samples per value) lowers every "
        "correlation alike.",
    ]
    return "\n".join(lines) + "\n"


def write_outputs(out: Path, rows: dict[str, dict[str, Interval]], info: dict[str, object],
                  estimates: dict[str, np.ndarray], truth: np.ndarray,
                  mixed: np.ndarray) -> None:
    """credit_report.md / .json / .png in ``out``."""
    (out / "credit_report.md").write_text(markdown(rows, info))
    data = {"info": info, "rows": {spec: {k: [v.value, v.low, v.high] for k, v in row.items()}
                                   for spec, row in rows.items()}}
    (out / "credit_report.json").write_text(json.dumps(data, indent=2, default=str))
    scatter(out / "credit_report.png", estimates, truth, mixed, str(info["env"]))


def scatter(path: Path, estimates: dict[str, np.ndarray], truth: np.ndarray,
            mixed: np.ndarray, title: str) -> None:
    """One panel per row: estimated vs MC advantage per turn (mixed-group turns in colour)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(estimates)
    cols = min(4, n)
    rows = (n + cols - 1) // cols
    figure, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.0 * rows), squeeze=False)
    jitter = np.random.default_rng(0).normal(0, 0.01, truth.size)
    for axis, (spec, values) in zip(axes.flat, estimates.items(), strict=False):
        axis.scatter(truth[~mixed] + jitter[~mixed], values[~mixed], s=6, alpha=0.4,
                     color="#999999", label="uniform groups")
        axis.scatter(truth[mixed] + jitter[mixed], values[mixed], s=6, alpha=0.5,
                     color="#4c78a8", label="mixed groups")
        axis.axhline(0, color="black", lw=0.5)
        axis.axvline(0, color="black", lw=0.5)
        axis.set_title(spec, fontsize=9)
        axis.set_xlabel("MC advantage", fontsize=8)
        axis.set_ylabel("estimate", fontsize=8)
    for axis in list(axes.flat)[n:]:
        axis.axis("off")
    figure.suptitle(f"{title}: estimated vs Monte-Carlo advantage per turn", fontsize=10)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
