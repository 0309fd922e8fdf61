"""SPA-RL's exploration phase: roll out the warm-started policy, fit the progress estimator
once, freeze it, keep it with the run.

Wang et al. 2025, "SPA-RL" (arXiv 2505.20732), the pipeline before RL: the SFT policy
explores the train tasks (the authors' code, WangHanLinHenry/SPA-RL-Agent @ ed20087,
``exploration/*/generate_response.py``: 10 episodes per train task, temperature 1), the
progress estimator is trained on the collected episodes (``prm/train_our_progress_model.py``)
and then only labels (``prm/inference_prm.py``) while PPO trains.

``agentrl train`` calls `agentrl.credit.phases.prepare_shapings` once, after the warm start:
each recipe shaping that declares a ``before_training`` hook (SPA's is `prepare`) runs it.
`prepare` keeps the phase's results in ``<run>/spa/``:

- ``exploration.jsonl``: a header (the options it was made with), then the episodes; written
  as ``exploration.jsonl.tmp`` and renamed when complete, so a killed phase leaves no
  partial file that counts: the next start discards the ``.tmp`` and explores again from the
  same policy (never mixing two attempts);
- ``progress_estimator.pt``: the fitted head (written atomically); ``fit.json``: its losses.

A resumed run takes the estimator from the checkpoint (``context.restored``), else from
``progress_estimator.pt``, else fits it from a complete ``exploration.jsonl``, and explores
only when none exists — which a resume after RL iterations refuses, since the policy is no
longer the warm-started one.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from pydantic import BaseModel, ConfigDict, Field

from agentrl.core.types import Task, Trajectory
from agentrl.credit.context import ShapingContext
from agentrl.credit.phases import TrainingStart
from agentrl.rewards.progress_model import STATE_KEY, ProgressEstimator, turn_features
from agentrl.rollout.runner import RolloutRunner

FOLDER = "spa"
EXPLORATION = "exploration.jsonl"
ESTIMATOR = "progress_estimator.pt"


class ExploreOptions(BaseModel):
    """The exploration phase and the offline fit (``shaping_options.spa.explore``)."""

    model_config = ConfigDict(extra="forbid")

    episodes_per_task: int = Field(
        default=10, ge=1, description="Episodes the warm-started policy plays per train task "
        "(the authors' code: 10, sampled at the recipe's temperature; theirs was 1).")
    tasks: int | None = Field(
        default=None, ge=1, description="Explore the first N tasks of env.train_split; "
        "None: all of them (the paper).")
    epochs: int = Field(default=20, ge=0, description="Passes of the offline fit over the "
                        "exploration episodes (the head only; the code: 1 pass, full model).")
    batch_size: int = Field(default=16, ge=1, description="Episodes per Adam step of the fit "
                            "(the code: 16 = 2 × 2 accumulation × 4 GPUs).")


def check_explore_options(fit: str, explore: dict[str, Any] | None) -> ExploreOptions:
    """The validated ``explore`` options; a clear error for unknown keys or online fitting."""
    if fit == "online" and explore:
        raise ValueError("spa: explore options apply to fit='offline' only; fit='online' "
                         "has no exploration phase")
    try:
        return ExploreOptions(**(explore or {}))
    except ValueError as error:
        raise ValueError(f"spa: bad explore options: {error}") from None


def prepare(context: ShapingContext, options: dict[str, Any], begin: TrainingStart) -> None:
    """SPA's ``before_training``: put the frozen estimator in ``context.state`` (see the
    module docstring for where it comes from); nothing for ``fit: online``."""
    fit = options.get("fit", "offline")
    explore_options = check_explore_options(fit, options.get("explore"))
    if fit == "online" or STATE_KEY in context.state:
        return
    if STATE_KEY in context.restored:  # resumed from a checkpoint made after the fit
        context.state[STATE_KEY] = ProgressEstimator.from_state_dict(
            context.restored.pop(STATE_KEY))
        return
    folder = begin.run_dir / FOLDER
    if (folder / ESTIMATOR).exists():
        state = torch.load(folder / ESTIMATOR, weights_only=True)
        context.state[STATE_KEY] = ProgressEstimator.from_state_dict(state)
        return
    header = {"explore": explore_options.model_dump(), "seed": begin.seed}
    episodes = read_exploration(folder / EXPLORATION, header)
    if episodes is None:
        if begin.start > 0:
            raise RuntimeError(
                f"spa: resuming {begin.run_dir} at iteration {begin.start}, but no fitted "
                "progress estimator or exploration was saved; the exploration must use the "
                "warm-started policy, which RL has changed since: start a new run")
        episodes = explore(context, begin, explore_options)
        begin.parallel.main_only(lambda: write_exploration(folder / EXPLORATION, header,
                                                           episodes))
    estimator, losses = fit_estimator(context, episodes, explore_options, options)
    begin.parallel.main_only(lambda: save_estimator(folder, estimator, losses, episodes))
    context.state[STATE_KEY] = estimator


def explore(context: ShapingContext, begin: TrainingStart,
            options: ExploreOptions) -> list[Trajectory]:
    """``options.episodes_per_task`` episodes of each explored train task, on every rank
    (each rank plays its share of the tasks; all ranks get all episodes)."""
    tasks = list(begin.tasks)[: options.tasks]
    if not tasks:
        raise ValueError("spa: the exploration phase has no train tasks to explore")
    runner = begin.make_runner()
    try:
        seed = begin.seed * 1_000_003 - 7_919 + begin.parallel.rank * 7_919
        with begin.parallel.generation(context.policy.model):
            local = runner.run(begin.parallel.shard(tasks), group_size=options.episodes_per_task,
                               seed=seed, group_prefix="spa-explore/",
                               progress=begin.progress)
    finally:
        runner.close()
    return [t for part in begin.parallel.all_gather(local) for t in part]


def fit_estimator(context: ShapingContext, episodes: list[Trajectory], options: ExploreOptions,
                  shaping_options: dict[str, Any]) -> tuple[ProgressEstimator, list[float]]:
    """A new estimator fitted on the non-errored ``episodes`` (MSE(Σ_t c_t, R), minibatches of
    episodes, ``options.epochs`` passes); the mean loss of each pass. The head's shape and
    learning rate are the shaping's ``hidden`` / ``lr``; features are read in chunks of its
    ``batch_size``."""
    active = [t for t in episodes if not t.errored and t.turns]
    if not active:
        raise ValueError(f"spa: none of the {len(episodes)} exploration episodes has turns "
                         "without an error; nothing to fit the progress estimator on")
    features, owner, outcomes = turn_features(context.policy, active,
                                              shaping_options.get("batch_size", 16))
    estimator = ProgressEstimator(features.shape[1], hidden=shaping_options.get("hidden"),
                                  lr=shaping_options.get("lr", 1e-3), seed=context.seed)
    losses = estimator.fit_minibatches(features, owner, outcomes, epochs=options.epochs,
                                       batch_size=options.batch_size, seed=context.seed)
    return estimator, losses


def explore_and_fit(context: ShapingContext, runner: RolloutRunner, tasks: Sequence[Task],
                    options: ExploreOptions | None = None, *, seed: int = 0,
                    shaping_options: dict[str, Any] | None = None) -> ProgressEstimator:
    """Outside `agentrl train`: explore ``tasks`` with ``runner`` (its policy should be the
    warm-started one), fit, and put the frozen estimator in ``context.state``."""
    from agentrl.parallel import SingleProcess

    options = options or ExploreOptions()
    begin = TrainingStart(lambda: runner, tasks, Path("."), 0, seed, SingleProcess())
    estimator, _ = fit_estimator(context, explore(context, begin, options), options,
                                 shaping_options or {})
    context.state[STATE_KEY] = estimator
    return estimator


def write_exploration(path: Path, header: dict[str, Any], episodes: list[Trajectory]) -> None:
    """The header line, then one episode per line, via a ``.tmp`` renamed when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".jsonl.tmp")
    with partial.open("w", encoding="utf-8") as file:
        file.write(json.dumps(header) + "\n")
        file.writelines(t.model_dump_json() + "\n" for t in episodes)
    os.replace(partial, path)


def read_exploration(path: Path, header: dict[str, Any]) -> list[Trajectory] | None:
    """The episodes of a complete exploration made with ``header``'s options; None (and
    any partial or stale file removed) otherwise."""
    path.with_suffix(".jsonl.tmp").unlink(missing_ok=True)
    if not path.exists():
        return None
    lines = path.read_text(encoding="utf-8").splitlines()
    if not lines or json.loads(lines[0]) != header:
        path.unlink()
        return None
    return [Trajectory.model_validate_json(line) for line in lines[1:]]


def save_estimator(folder: Path, estimator: ProgressEstimator, losses: list[float],
                   episodes: list[Trajectory]) -> None:
    """``progress_estimator.pt`` (atomically) and ``fit.json`` (the fit's numbers)."""
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / (ESTIMATOR + ".tmp")
    torch.save(estimator.state_dict(), partial)
    os.replace(partial, folder / ESTIMATOR)
    summary = {"episodes": len(episodes),
               "success": sum(t.success for t in episodes) / max(1, len(episodes)),
               "loss_first": losses[0] if losses else None,
               "loss": losses[-1] if losses else None, "losses": losses}
    (folder / "fit.json").write_text(json.dumps(summary, indent=2))
    print(f"[spa] progress estimator fitted on {len(episodes)} exploration episodes "
          f"(success {summary['success']:.0%}): loss {summary['loss_first']} -> "
          f"{summary['loss']}", flush=True)
