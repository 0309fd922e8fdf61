"""Atomic checkpoints: written aside, then made current by renaming one pointer file.

Layout: ``<run>/checkpoints/iter-000003/`` holds the policy weights (or LoRA adapter,
Hugging Face format) and ``trainer.pt`` (optimizer, shaping state, RNG states, the
iteration); ``<run>/checkpoints/latest`` names the newest complete one. A run killed
while writing leaves the previous checkpoint current.
"""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch
from peft import PeftModel
from safetensors.torch import load_file

from agentrl.algos.trainer import Trainer
from agentrl.policy.hf import HFPolicy


def _rng_state() -> dict[str, Any]:
    return {"python": random.getstate(), "numpy": np.random.get_state(),
            "torch": torch.get_rng_state()}


def _restore_rng(state: dict[str, Any]) -> None:
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])


def save_checkpoint(run_dir: Path, policy: HFPolicy, trainer: Trainer, iteration: int,
                    keep: int = 1) -> Path:
    """Save after ``iteration`` completed iterations; keep the newest ``keep``."""
    root = run_dir / "checkpoints"
    target = root / f"iter-{iteration:06d}"
    partial = root / f".partial-{iteration:06d}"
    parallel = trainer.parallel  # over several ranks: full state gathered, rank 0 writes
    model_state = parallel.full_state_dict(policy.model)
    trainer_state = trainer.state_dict()
    if not parallel.is_main:
        return target
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    policy.model.save_pretrained(partial / "model", state_dict=model_state)
    torch.save({"iteration": iteration, "trainer": trainer_state, "rng": _rng_state()},
               partial / "trainer.pt")
    shutil.rmtree(target, ignore_errors=True)
    os.replace(partial, target)
    pointer = root / ".latest.tmp"
    pointer.write_text(target.name)
    os.replace(pointer, root / "latest")
    for old in sorted(root.glob("iter-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The run's latest complete checkpoint folder, or None when there is none."""
    pointer = run_dir / "checkpoints" / "latest"
    if not pointer.exists():
        return None
    path = pointer.parent / pointer.read_text().strip()
    return path if (path / "trainer.pt").exists() else None


def load_checkpoint(path: Path, policy: HFPolicy, trainer: Trainer) -> int:
    """Restore weights, trainer state and RNGs; return the completed iteration count."""
    model_dir = path / "model"
    parallel = trainer.parallel
    if isinstance(policy.model, PeftModel):  # only the adapter was saved
        parallel.load_adapter(policy.model, load_file(model_dir / "adapter_model.safetensors"))
    else:
        parallel.load_full_state_dict(policy.model, load_file(model_dir / "model.safetensors"))
    state = torch.load(path / "trainer.pt", weights_only=False)
    trainer.load_state_dict(state["trainer"])
    _restore_rng(state["rng"])
    return int(state["iteration"])
