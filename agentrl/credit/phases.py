"""Phases that methods declare to run once before the first update
(``Needs.before_training``, e.g. SPA-RL's exploration and progress-estimator fit)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentrl.core.types import Task
from agentrl.credit.context import ShapingContext
from agentrl.credit.registry import shaping_needs
from agentrl.rollout.runner import RolloutRunner


@dataclass
class TrainingStart:
    """What the train loop hands a method's ``before_training`` hook."""

    make_runner: Callable[[], RolloutRunner]  # rolls out with the policy as it starts RL
    tasks: Sequence[Task]  # env.train_split
    run_dir: Path
    start: int  # the iteration RL starts (or resumes) at
    seed: int
    parallel: Any  # agentrl.parallel strategy
    progress: bool = False


def prepare_shapings(recipe: Any, context: ShapingContext, sampler: Any,
                     make_env: Callable[[], Any], tasks: Sequence[Task], run_dir: Path, *,
                     start: int, parallel: Any) -> None:
    """Run the ``before_training`` hook each of the recipe's shapings declares."""
    begin = TrainingStart(lambda: RolloutRunner(make_env, sampler, recipe.rollout), tasks,
                          run_dir, start, recipe.seed, parallel, recipe.logging.progress)
    for name in recipe.algorithm.shaping:
        options = dict(recipe.algorithm.shaping_options.get(name, {}))
        hook = shaping_needs(name, options).before_training
        if hook is not None:
            hook(context, options, begin)
