"""SPA's progress estimator against the EXACT values of the policy it labels, on toy/fork
and its toy/chain control (`agentrl.lab.spa_exact`).

Setting: the embedded model (``embedded:smollm2-135m``, no adapter, no warm start)
restricted to the listed admissible actions (`agentrl.lab.scorers`: its reply
probabilities normalised over them), on drawn train worlds with Markov prompts (the setting
of ``benchmarks/credit_exact_llm.py``). SPA's offline pipeline as `agentrl.rewards.spa` runs
it: the policy explores each task ``--explore`` times at temperature 1, the progress head
(linear, on the frozen model's final hidden state at the turn's last token; lr 1e-3, 20
passes in minibatches of 16 episodes: the shaping's defaults) is fitted on MSE(Σ_t c_t, R)
and frozen, then labels a fresh batch of ``--group-size`` episodes per task (another
rollout seed). Truth by DP over the env's own reset/step under the same restricted policy:
Q_t = Q^π(s_t, a_t) for the cumulative progress P_t = Σ_{k≤t} c_k, and Δ_t = Q_t − Q_{t−1}
(Q_{−1} = 0; = A^π(s_t, a_t) for t ≥ 1) for the step contribution c_t.

Reference rows: GRPO's advantage (the outcome-only credit SPA is meant to improve on;
Pearson only, its scale is not Δ's); hindsight redistribution R/T per step and R·(t+1)/T
cumulative (it sees the episode's own outcome, which SPA's labels do not); the constant
mean-R predictor of Q_t (RMSE only). **Primary contrast**, declared before running: on the
fork, Pearson(c_t, Δ_t) of SPA minus Pearson(GRPO advantage, Δ_t), paired group bootstrap on
the labelled batch's turns; the other contrasts are Holm-corrected.

    python benchmarks/credit_spa_exact.py [--tasks 16] [--explore 10] [--group-size 8]
        [--envs fork chain]
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from credit_exact_llm import ENVS, recipe  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PRIMARY = "fork: Pearson(c_t, Δ_t): spa − grpo"


def flat(rows: list[list[float]]) -> np.ndarray:
    """Rows concatenated."""
    return np.asarray([x for row in rows for x in row], dtype=float)


def batches(name: str, args: argparse.Namespace) -> dict:
    """Explore, fit, label a fresh batch; every per-turn array of that batch."""
    from agentrl.lab.exact import GameGraph, evaluate
    from agentrl.lab.methods import estimate
    from agentrl.lab.scorers import LLMScorer, ScoredPolicy, action_reply
    from agentrl.lab.spa_exact import exact_progress, tokenize_turns, unique_turn_features
    from agentrl.rewards.progress_model import ProgressEstimator
    from agentrl.rollout.runner import RolloutRunner
    from agentrl.run.loop import load_policy
    from agentrl.run.preflight import check_recipe, env_factory
    from agentrl.run.recipe import load_recipe

    loaded = load_recipe(recipe(ENVS[name], args.group_size, args.tasks, args.dtype))
    env = check_recipe(loaded)
    tasks, spec = list(env.tasks("train"))[: args.tasks], env.spec
    env.close()
    model = load_policy(loaded)
    prompt = loaded.rollout.prompt
    scorer = LLMScorer(model, prompt.response_prefix, loaded.rollout.sampling.temperature)
    make_env = env_factory(loaded, timeout_s=loaded.rollout.step_timeout_s)
    runner = RolloutRunner(make_env, ScoredPolicy(scorer, prompt.response_prefix),
                           loaded.rollout)
    try:
        explored = runner.run(tasks, group_size=args.explore, seed=10_000, progress=False,
                              group_prefix="spa-explore/")
        batch = runner.run(tasks, seed=0, progress=False, group_prefix="spa-label/")
    finally:
        runner.close()
    graph = GameGraph(make_env, prompt, reply=action_reply, max_turns=loaded.rollout.max_turns,
                      share_seeds=True)
    try:
        values = evaluate_all(graph, scorer, batch, evaluate)
        q, delta = exact_progress(graph, values, batch, [None] * len(batch))
        nodes = len(graph.nodes)
    finally:
        graph.close()
    for episodes in (explored, batch):
        tokenize_turns(model, episodes, spec, prompt, scorer.continuation)
    features, owner, outcomes = unique_turn_features(model, explored)
    head = ProgressEstimator(features.shape[1], hidden=None, lr=1e-3, seed=0)
    losses = head.fit_minibatches(features, owner, outcomes, epochs=20, batch_size=16, seed=0)
    labelled, _, _ = unique_turn_features(model, batch)
    c = head.contributions(labelled).numpy().astype(float)
    lengths = [len(t.turns) for t in batch]
    cum = np.concatenate([np.cumsum(c[s - n: s]) for s, n in
                          zip(np.cumsum(lengths), lengths, strict=True)])
    hindsight = [[t.outcome_reward / n] * n for t, n in zip(batch, lengths, strict=True)]
    return {"c": c, "cum": cum, "q": flat(q), "delta": flat(delta),
            "grpo": flat(estimate("grpo", batch)), "uniform": flat(hindsight),
            "uniform_cum": flat([np.cumsum(row).tolist() for row in hindsight]),
            "groups": np.asarray([t.group_id for t in batch for _ in t.turns]),
            "info": {"explored": len(explored), "explored_success": float(np.mean(
                [t.success for t in explored])), "batch": len(batch), "turns": len(c),
                "batch_success": float(np.mean([t.success for t in batch])),
                "loss_first": losses[0], "loss_last": losses[-1], "nodes": nodes,
                "scored_prompts": scorer.calls, "features": int(features.shape[1])}}


def evaluate_all(graph, scorer, batch, evaluate):
    """Enumerate every batch task's tree and back up its values."""
    for trajectory in batch:
        graph.root(trajectory.task, None)
    return evaluate(graph, scorer)


def table(name: str, data: dict, draws: int) -> tuple[list[str], dict]:
    """The env's rows (Pearson and RMSE with group-bootstrap CIs) and its contrasts."""
    from agentrl.lab.fidelity import pearson
    from agentrl.lab.spa_exact import group_interval, rmse
    from agentrl.lab.stats import paired_group_bootstrap

    g = data["groups"]
    rows = [("SPA cumulative progress P_t", "cum", "q"), ("SPA step contribution c_t", "c",
            "delta"), ("GRPO advantage", "grpo", "delta"),
            ("hindsight R/T per step", "uniform", "delta"),
            ("hindsight R·(t+1)/T cumulative", "uniform_cum", "q")]
    info = data["info"]
    lines = [f"### {name}", "", f"Exploration: {info['explored']} episodes (success "
             f"{info['explored_success']:.3f}); fit loss {info['loss_first']:.4f} → "
             f"{info['loss_last']:.4f} (first → last pass; {info['features']}-dim features). "
             f"Labelled batch: {info['batch']} episodes, {info['turns']} turns, success "
             f"{info['batch_success']:.3f}; DP over {info['nodes']} nodes; "
             f"{info['scored_prompts']} prompts scored.", "",
             "| row | target | Pearson r [95% CI] | RMSE [95% CI] |", "|---|---|---|---|"]
    for label, key, target in rows:
        r = group_interval(pearson, data[key], data[target], g, draws=draws)
        e = group_interval(rmse, data[key], data[target], g, draws=draws)
        cell = "–" if key == "grpo" else f"{e.value:.3f} [{e.low:.3f}, {e.high:.3f}]"
        lines.append(f"| {label} | {'Q_t' if target == 'q' else 'Δ_t'} | "
                     f"{r.value:+.3f} [{r.low:+.3f}, {r.high:+.3f}] | {cell} |")
    constant = np.full_like(data["q"], float(np.mean(data["q"])))
    e = group_interval(rmse, constant, data["q"], g, draws=draws)
    lines += [f"| constant (mean Q_t of the batch) | Q_t | – | {e.value:.3f} "
              f"[{e.low:.3f}, {e.high:.3f}] |", ""]
    family = {
        f"{name}: Pearson(c_t, Δ_t): spa − grpo": paired_group_bootstrap(
            pearson, data["c"], data["grpo"], data["delta"], g, draws=draws),
        f"{name}: Pearson(c_t, Δ_t): spa − hindsight R/T": paired_group_bootstrap(
            pearson, data["c"], data["uniform"], data["delta"], g, draws=draws),
        f"{name}: Pearson(P_t, Q_t): spa − hindsight R·(t+1)/T": paired_group_bootstrap(
            pearson, data["cum"], data["uniform_cum"], data["q"], g, draws=draws)}
    return lines, family


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=16)
    parser.add_argument("--explore", type=int, default=10, help="Exploration episodes/task.")
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--envs", nargs="+", default=list(ENVS), choices=list(ENVS))
    parser.add_argument("--dtype", default="auto", choices=["auto", "float32", "bfloat16"])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=RESULTS / "credit-spa-exact.md")
    args = parser.parse_args()
    from agentrl.lab.stats import contrast_lines, correct, write_contrasts

    command = "python benchmarks/credit_spa_exact.py " + shlex.join(sys.argv[1:])
    started, load = time.monotonic(), os.getloadavg()
    sections, family = [], {}
    for name in args.envs:
        lines, contrasts = table(name, batches(name, args), args.draws)
        sections += lines
        family |= contrasts
        print("\n".join(lines), flush=True)
    primary = PRIMARY if PRIMARY in family else next(iter(family))
    correct(family, primary)
    end = os.getloadavg()
    doc = __doc__.split("\n\n")
    out = [
        "# SPA's progress estimator against the exact values", "",
        f"Command: `{command}`", "",
        f"Generated by `benchmarks/credit_spa_exact.py` on {time.strftime('%Y-%m-%d')} in "
        f"{time.monotonic() - started:.0f} s; load average {load[0]:.2f} / {load[1]:.2f} / "
        f"{load[2]:.2f} at start, {end[0]:.2f} at the end, on a shared 2-core CPU (timings "
        "only; seeded).", "", doc[1], "", doc[2], "",
        *contrast_lines(family, primary, column="Δ [95% CI] p (Holm)"),
        "", "## Per env", "", *sections]
    args.out.write_text("\n".join(out) + "\n")
    write_contrasts(args.out, command, primary, family)
    print(f"primary: {primary} {family[primary].cell()}")


if __name__ == "__main__":
    main()
