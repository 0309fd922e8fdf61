"""A toy run (toy/corridor, a tiny random llama) whose updates change the weights, and the
`agentrl train` command run as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

TIME_KEYS = ("started_at", "wall_time_s")  # wall-clock fields: differ from run to run


def toy_run_recipe(run_dir: Path, **trainer: Any) -> dict[str, Any]:
    """Three iterations of 2 tasks x 2 episodes; the entropy bonus makes every update move
    the weights (and Adam's moments), so a resume that lost state would show."""
    return {
        "name": "toy",
        "seed": 5,
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama", "cpu_threads": 1},
        "rollout": {"group_size": 2, "lenient_parsing": True, "workers": 1,
                    "sampling": {"max_new_tokens": 4}},
        "algorithm": {"advantage": "grpo", "entropy": "plain", "entropy_options": {"coef": 0.5}},
        "optim": {"lr": 3e-2, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": 3, "tasks_per_iteration": 2, "samples_per_iteration": 2,
                    **trainer},
        "eval": {"num_tasks": 2},
        "logging": {"run_dir": str(run_dir), "tensorboard": True, "progress": False},
    }


def write_recipe(path: Path, recipe: dict[str, Any]) -> Path:
    """``recipe`` as a YAML file at ``path``."""
    path.write_text(yaml.safe_dump(recipe))
    return path


def agentrl(*args: str, kill_at: str | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """``agentrl ARGS…`` in a new process; ``kill_at`` sets AGENTRL_KILL_AT."""
    env = {k: v for k, v in os.environ.items() if k != "AGENTRL_KILL_AT"}
    if kill_at:
        env["AGENTRL_KILL_AT"] = kill_at
    return subprocess.run(
        [sys.executable, "-c", "from agentrl.cli import main; main()", *args],
        capture_output=True, text=True, timeout=timeout, env=env)


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    """The JSON lines of ``path``, wall-clock fields removed (whatever their depth)."""
    return [_timeless(json.loads(line)) for line in path.read_text().splitlines()]


def _timeless(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items()
                if k not in TIME_KEYS and not k.startswith("perf/")}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value
