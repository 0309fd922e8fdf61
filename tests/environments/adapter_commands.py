"""What a user types for an adapter, run for real: ``agentrl check-env`` and ``agentrl
play`` in a child process (``python -m agentrl``, cwd the repository), and ``agentrl eval``
on a recipe with the tiny real transformer (``tiny:llama``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def agentrl(*args: str, stdin: str = "", timeout: float = 500) -> subprocess.CompletedProcess:
    """``python -m agentrl ARGS`` in the repository root, ``stdin`` fed; output as text."""
    return subprocess.run([sys.executable, "-m", "agentrl", *args], cwd=ROOT, input=stdin,
                          capture_output=True, text=True, timeout=timeout)


def kwarg_flags(kwargs: dict[str, Any]) -> list[str]:
    """``{"a": 1}`` → ``["-k", "a=1"]``."""
    return [flag for key, value in kwargs.items() for flag in ("-k", f"{key}={value}")]


def eval_with_tiny_model(tmp_path: Path, env_id: str, kwargs: dict[str, Any],
                         num_tasks: int = 2, split: str = "valid",
                         extra: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[dict]]:
    """``agentrl eval recipe.yaml`` for ``env_id`` (built with ``kwargs``) with ``tiny:llama``
    greedy on ``num_tasks`` tasks of ``split``; the eval.json and the eval trajectories."""
    recipe = {
        "name": "adapter-eval", "seed": 0,
        "env": {"id": env_id, "kwargs": kwargs},
        "policy": {"model": "tiny:llama"},
        "rollout": {"sampling": {"max_new_tokens": 8}},
        "eval": {"split": split, "num_tasks": num_tasks},
        "logging": {"run_dir": str(tmp_path), "tensorboard": False, "progress": False},
    }
    path = tmp_path / "recipe.yaml"
    path.write_text(yaml.safe_dump(recipe))
    done = agentrl("eval", str(path), *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    run = tmp_path / "adapter-eval"
    lines = (run / "eval_trajectories.jsonl").read_text().splitlines()
    return json.loads((run / "eval.json").read_text()), [json.loads(line) for line in lines]
