"""A method from outside the package — tests/plugins/outside_method.py registers an estimator
and a shaping with their `Needs` — trains with no agentrl file naming it: preflight reads the
group size it declared, the trainer builds the critic it declared and fits it on its targets,
and the train loop runs its shaping's declared phase."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from agentrl.run.loop import train
from agentrl.run.preflight import check_recipe
from agentrl.run.recipe import Recipe, RecipeError

PLUGIN = Path(__file__).parents[1] / "plugins" / "outside_method.py"


@pytest.fixture(scope="module")
def outside() -> Any:
    """The plugin module, imported from its file (which registers its methods)."""
    spec = importlib.util.spec_from_file_location("outside_method", PLUGIN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["outside_method"] = module
    spec.loader.exec_module(module)
    return module


def _recipe(run_dir: Path, group_size: int) -> dict[str, Any]:
    return {
        "name": "outside", "seed": 2,
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama", "cpu_threads": 1},
        "rollout": {"group_size": group_size, "lenient_parsing": True, "workers": 1,
                    "sampling": {"max_new_tokens": 3}},
        "algorithm": {"advantage": "outside-td0", "shaping": ["outside-bonus"],
                      "critic_options": {"hidden": 4, "fit_epochs": 1}},
        "optim": {"lr": 1e-3, "minibatch_size": 12, "micro_batch_size": 6},
        "trainer": {"iterations": 1, "tasks_per_iteration": 1, "samples_per_iteration": 1},
        "eval": {"num_tasks": 1},
        "logging": {"run_dir": str(run_dir), "tensorboard": False, "progress": False},
    }


def test_preflight_reads_the_group_size_an_outside_estimator_declared(outside: Any,
                                                                      tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match=r"rollout.group_size=2: outside-td0 compares "
                                          r"rollouts of a group; use at least 3"):
        check_recipe(Recipe.model_validate(_recipe(tmp_path, group_size=2)))


@pytest.mark.slow
def test_training_with_an_outside_estimator_and_shaping(outside: Any, tmp_path: Path) -> None:
    run = train(_recipe(tmp_path, group_size=3))
    assert (run / "outside-phase.txt").read_text() == "start=0"  # the declared phase ran
    metrics = json.loads((run / "metrics.jsonl").read_text().splitlines()[0])
    assert "loss/value" in metrics  # the declared critic was built and fitted
    (sample,) = [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    for turn in sample["turns"]:
        # samples keep the shaped reward: the corridor pays 0 for these invalid actions, the
        # shaping adds BONUS; A_t = r_t − V(s_t) with the critic's value the trainer wrote
        assert turn["info"]["action_valid"] is False
        assert turn["reward"] == outside.BONUS
        assert turn["advantage"] == pytest.approx(turn["reward"] - turn["info"]["value"])
