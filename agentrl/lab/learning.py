"""Paired learning runs of credit-assignment estimators with the tabular softmax policy.

One run = one (env, estimator, seed): the uniform tabular policy (`agentrl.policy.tabular`)
is trained for ``updates`` iterations, each: collect ``tasks_per_update`` groups of
``group_size`` with the real runner (optionally with dynamic sampling), compute the
estimator's per-turn advantages (registry), whiten them (per-batch RMS,
`agentrl.credit.advantages.whitening`), and take one policy-gradient step on
Σ_{i,t} A_{i,t} log π(a_{i,t} | prompt_{i,t}) / (number of trajectories) with step ``lr``.
Runs of one seed are paired: the same initial policy (θ = 0), the same task order
(`agentrl.run.loop.batch_tasks`) and the same sampler and env seeds per iteration, so they
differ only by the advantages.

The learning curve is the **policy's** success, never the training batch's (a dynamic-
sampled batch over-represents mixed groups): at update 0 and after every update, the exact
success probability (`agentrl.lab.exact`, ``returns='success'``) on fixed evaluation tasks —
the first ``eval_tasks`` tasks of ``eval_split`` (default: the training worlds) — and, after
the last update, on the first ``eval_tasks`` held-out tasks. ``exact_eval=False`` falls back
to sampled episodes (``eval_episodes`` per task) for worlds too large to enumerate; the
batch success is kept as ``batch_curve`` for reference. ``markov`` (default) builds prompts
from the current observation alone, without the omitted-turns count (a tabular policy over
env states); ``markov=False`` reproduces the older (state, turn) prompts.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from agentrl.core.registry import make
from agentrl.core.types import Task, Trajectory
from agentrl.credit.advantages.whitening import whiten
from agentrl.credit.registry import get_advantage
from agentrl.lab.exact import GameGraph, evaluate
from agentrl.lab.methods import turn_means
from agentrl.lab.scorers import TabularScorer, action_reply
from agentrl.policy.base import SamplingParams
from agentrl.policy.tabular import TabularPolicy
from agentrl.rollout.dynamic_sampling import DynamicSamplingOptions, collect_groups
from agentrl.rollout.prompts import PromptOptions
from agentrl.rollout.runner import RolloutOptions, RolloutRunner


@dataclass
class LearningSetup:
    """What every run of a comparison shares."""

    env_id: str
    env_kwargs: dict = field(default_factory=dict)
    updates: int = 20
    tasks_per_update: int = 4
    group_size: int = 8
    lr: float = 1.0
    dynamic_sampling: bool = False
    eval_tasks: int = 16
    eval_episodes: int = 4
    max_actions_shown: int = 30
    markov: bool = True
    exact_eval: bool = True
    eval_split: str = "train"
    heldout_curve: bool = False  # also the held-out success at every point, not only the last
    reuse_graphs: bool = False  # keep each eval game graph for later runs of this process


@dataclass
class RunResult:
    """One run's learning curve and held-out success."""

    method: str
    seed: int
    curve: list[float]  # the policy's success on the fixed eval tasks, updates 0 .. U
    heldout: float  # the policy's success on held-out tasks after the last update
    resampled_groups: float = 0.0
    batch_curve: list[float] = field(default_factory=list)  # training batches' success
    lr: float = 0.0
    heldout_points: list[float] = field(default_factory=list)  # with setup.heldout_curve

    @property
    def auc(self) -> float:
        """Area under the policy's success curve, as a mean over its points."""
        return sum(self.curve) / len(self.curve) if self.curve else 0.0

    @property
    def final(self) -> float:
        """The policy's success on the eval tasks after the last update."""
        return self.curve[-1] if self.curve else 0.0

    def updates_to(self, threshold: float) -> int | None:
        """The first number of updates after which the policy's success ≥ ``threshold``."""
        return next((i for i, s in enumerate(self.curve) if s >= threshold), None)


def prompt_options(setup: LearningSetup) -> PromptOptions:
    """The current observation and its admissible actions (module docstring: ``markov``)."""
    return PromptOptions(history="last_k", k=0, max_actions_shown=setup.max_actions_shown,
                         note_omitted_turns=not setup.markov)


_GRAPHS: dict[str, GameGraph] = {}  # setup.reuse_graphs: built once per process


class Evaluator:
    """The policy's success on fixed tasks: exact (one game graph, built once) or sampled."""

    def __init__(self, setup: LearningSetup, make_env, runner: RolloutRunner,
                 tasks: list[Task]) -> None:
        self.setup, self.runner, self.tasks = setup, runner, tasks
        self.graph = None
        if setup.exact_eval:
            key = repr((setup.env_id, sorted(setup.env_kwargs.items()),
                        prompt_options(setup), [t.id for t in tasks]))
            self.graph = _GRAPHS.get(key) or GameGraph(make_env, prompt_options(setup),
                                                       reply=action_reply, share_seeds=True)
            if setup.reuse_graphs:
                _GRAPHS[key] = self.graph
        self.roots = [self.graph.root(task) for task in tasks] if self.graph else []

    def success(self, policy: TabularPolicy, seed: int) -> float:
        """Mean success probability over the tasks (or the sampled success rate)."""
        if self.graph is not None:
            values = evaluate(self.graph, TabularScorer(policy), returns="success")
            return sum(values.v[root] for root in self.roots) / len(self.roots)
        episodes = self.runner.run(self.tasks, group_size=self.setup.eval_episodes, seed=seed,
                                   group_prefix="eval/", progress=False)
        return sum(t.success for t in episodes) / max(1, len(episodes))

    def close(self) -> None:
        """Close the graph's env (kept open when the setup reuses graphs)."""
        if self.graph is not None and not self.setup.reuse_graphs:
            self.graph.close()


def rollout_options(setup: LearningSetup) -> RolloutOptions:
    """`prompt_options`, temperature 1, one worker."""
    prompt = prompt_options(setup)
    return RolloutOptions(group_size=setup.group_size, workers=1, prompt=prompt,
                          sampling=SamplingParams(temperature=1.0),
                          dynamic_sampling=DynamicSamplingOptions(
                              enabled=setup.dynamic_sampling))


def train_tabular(setup: LearningSetup, method: str, seed: int,
                  options: dict | None = None,
                  policy: TabularPolicy | None = None,
                  shape: Callable[[list[Trajectory]], list[Trajectory]] | None = None,
                  ) -> RunResult:
    """One paired run (module docstring); ``policy`` (trained in place) replaces the
    uniform start; ``shape`` rewrites each batch's rewards before the estimator reads them
    (a reward shaping: step rewards, gated accumulation), the policy step uses its turns."""
    from agentrl.run.loop import batch_tasks

    policy = policy if policy is not None else TabularPolicy()
    make_env = partial(make, setup.env_id, **setup.env_kwargs)
    env = make_env()
    train_tasks, heldout = list(env.tasks("train")), list(env.tasks("heldout"))
    fixed = list(env.tasks(setup.eval_split))[: setup.eval_tasks]
    env.close()
    runner = RolloutRunner(make_env, policy, rollout_options(setup))
    estimator = get_advantage(method)
    evaluator = Evaluator(setup, make_env, runner, fixed)
    held = Evaluator(setup, make_env, runner, heldout[: setup.eval_tasks])
    curve, batch_curve, resampled = [evaluator.success(policy, seed + 7)], [], 0.0
    held_points = [held.success(policy, seed + 11)] if setup.heldout_curve else []
    try:
        for iteration in range(setup.updates):
            tasks = batch_tasks(train_tasks, setup.tasks_per_update, seed, iteration)
            batch, metrics = collect_groups(
                runner, tasks, seed=seed * 1_000_003 + iteration * 10_007,
                group_prefix=f"it{iteration}/", progress=False,
                options=runner.options.dynamic_sampling)
            resampled += metrics["rollout/resampled_groups"]
            valid = [t for t in batch if not t.errored]
            batch_curve.append(sum(t.success for t in valid) / max(1, len(valid)))
            batch = shape(batch) if shape is not None else batch
            advantages = whiten(turn_means(estimator(batch, **(options or {}))),
                                [t.errored for t in batch])
            turns = [(turn, a) for t, row in zip(batch, advantages, strict=True)
                     if not t.errored for turn, a in zip(t.turns, row, strict=True)]
            policy.step([turn.prompt_ids for turn, _ in turns],
                        [turn.action_ids for turn, _ in turns],
                        [a * len(turns) / max(1, len(valid)) for _, a in turns], setup.lr)
            curve.append(evaluator.success(policy, seed + 7))
            if setup.heldout_curve:
                held_points.append(held.success(policy, seed + 11))
        heldout_success = held_points[-1] if held_points else held.success(policy, seed + 11)
    finally:
        held.close()
        evaluator.close()
        runner.close()
    return RunResult(method, seed, curve, heldout_success, resampled, batch_curve, setup.lr,
                     held_points)


def paired_summary(differences: list[float]) -> dict[str, float]:
    """Mean, 95 % t-interval and two-sided sign-test p of paired differences."""
    n = len(differences)
    mean = sum(differences) / n if n else float("nan")
    if n < 2:
        return {"mean": mean, "low": float("nan"), "high": float("nan"), "p_sign": 1.0,
                "wins": 0, "losses": 0}
    sd = math.sqrt(sum((d - mean) ** 2 for d in differences) / (n - 1))
    half = t_quantile_975(n - 1) * sd / math.sqrt(n)
    wins = sum(d > 0 for d in differences)
    losses = sum(d < 0 for d in differences)
    return {"mean": mean, "low": mean - half, "high": mean + half,
            "p_sign": sign_test(wins, losses), "wins": wins, "losses": losses}


def sign_test(wins: int, losses: int) -> float:
    """Two-sided exact binomial p of ``wins`` vs ``losses`` (ties dropped) under p = 1/2."""
    n = wins + losses
    if n == 0:
        return 1.0
    k = min(wins, losses)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def t_quantile_975(dof: int) -> float:
    """The 97.5 % quantile of Student's t with ``dof`` degrees of freedom (table, then
    the normal approximation with a 1/dof correction beyond 30)."""
    table = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365,
             8: 2.306, 9: 2.262, 10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145,
             15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093, 20: 2.086, 24: 2.064,
             30: 2.042}
    if dof in table:
        return table[dof]
    if dof < 30:
        return table[max(d for d in table if d < dof)]
    return 1.960 + 2.4 / dof
