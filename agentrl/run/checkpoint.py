"""Atomic checkpoints: written aside, then made current by renaming one pointer file.

Layout: ``<run>/checkpoints/iter-000003/`` holds the policy weights (or LoRA adapter,
Hugging Face format, safetensors), ``trainer.pt`` (optimizer, shaping, entropy and critic
state, torch's RNG: tensors and plain containers only, read with
``torch.load(weights_only=True)``, so a shared run folder never runs code) and
``progress.json`` (the completed iterations, Python's and NumPy's RNG states, and how many
bytes of each of the run's append-only files — `COVERED_FILES` — the checkpoint covers).
``<run>/checkpoints/latest`` names the newest complete one. A run killed while writing
leaves the previous checkpoint current; one resumed cuts its files back to what that
checkpoint covers (`agentrl.run.run_folder`), so they hold each episode and iteration once.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import shutil
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from peft import PeftModel
from safetensors.torch import load_file

from agentrl.policy.hf import HFPolicy
from agentrl.run.errors import RunFolderError, disk_full_error, is_disk_full
from agentrl.run.killpoints import kill_point
from agentrl.update.trainer import Trainer

COVERED_FILES = ("rollouts.jsonl", "metrics.jsonl", "samples.jsonl")
"""The run's append-only files; a checkpoint records the bytes of each it covers."""

_SCALARS = (int, float, str, bool, type(None), torch.dtype)  # exact types: no NumPy scalars


def covered_sizes(run_dir: Path) -> dict[str, int]:
    """The current size in bytes of each of `COVERED_FILES` (0 when absent)."""
    return {name: (run_dir / name).stat().st_size if (run_dir / name).exists() else 0
            for name in COVERED_FILES}


def save_checkpoint(run_dir: Path, policy: HFPolicy, trainer: Trainer, iteration: int,
                    keep: int = 1) -> Path:
    """Save after ``iteration`` completed iterations; keep the newest ``keep``.

    Call it once everything of those iterations is written: it records the sizes of the
    run's files as covered. A full disk is a `RunFolderError`; the previous checkpoint
    stays current.
    """
    root = run_dir / "checkpoints"
    target = root / f"iter-{iteration:06d}"
    partial = root / f".partial-{iteration:06d}"
    parallel = trainer.parallel  # over several ranks: full state gathered, rank 0 writes
    model_state = parallel.full_state_dict(policy.model)
    trainer_state = {"trainer": trainer.state_dict(), "torch_rng": torch.get_rng_state()}
    if not parallel.is_main:
        return target
    _check_plain(trainer_state, "trainer.pt")
    progress = {"iteration": iteration, "covers": covered_sizes(run_dir),
                "python_rng": random.getstate(), "numpy_rng": _numpy_rng()}
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        policy.model.save_pretrained(partial / "model", state_dict=model_state)
        kill_point("checkpoint.model")
        with (partial / "trainer.pt").open("wb") as file:  # a file object: ENOSPC surfaces
            torch.save(trainer_state, file)
        (partial / "progress.json").write_text(json.dumps(progress))
        kill_point("checkpoint.trainer")
        shutil.rmtree(target, ignore_errors=True)
        os.replace(partial, target)
        kill_point("checkpoint.renamed")
        pointer = root / ".latest.tmp"
        pointer.write_text(target.name)
        os.replace(pointer, root / "latest")
    except Exception as error:
        if not is_disk_full(error):
            raise
        shutil.rmtree(partial, ignore_errors=True)
        raise disk_full_error(partial) from None
    for old in sorted(root.glob("iter-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return target


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The run's latest complete checkpoint folder, or None when no checkpoint was made
    current yet. A ``latest`` pointer naming a missing or incomplete folder is a
    `RunFolderError`: such a folder is never taken for a fresh run."""
    pointer = run_dir / "checkpoints" / "latest"
    if not pointer.exists():
        return None
    name = pointer.read_text(encoding="utf-8", errors="replace").strip()
    path = pointer.parent / name
    if not name.startswith("iter-") or "/" in name or not path.is_dir():
        raise RunFolderError(
            f"{pointer} names {name!r}, which is not a checkpoint folder beside it: the "
            f"run's last checkpoint is missing. Restore that folder, or write the name of "
            f"an existing iter-* folder into {pointer}; to start over, remove {run_dir} "
            "(or give the run another name).")
    for needed in ("trainer.pt", "progress.json", "model"):
        if not (path / needed).exists():
            raise damaged(path / needed, "is missing")
    return path


def damaged(path: Path, what: str) -> RunFolderError:
    """The paragraph for a checkpoint file that cannot be read: which, and what to do."""
    run_dir = next((p.parent for p in path.parents if p.name == "checkpoints"), None)
    start_over = (f"remove {run_dir} (or give the run another name) to start over"
                  if run_dir else "name another checkpoint")
    return RunFolderError(
        f"checkpoint file {path} {what}. Restore it from a copy of the run folder, or "
        f"{start_over}; a damaged checkpoint is never skipped silently, so the run's files "
        "keep each episode once.")


def read_progress(path: Path) -> dict[str, Any]:
    """``progress.json`` of checkpoint ``path``: iteration, covered file sizes, RNGs."""
    try:
        progress = json.loads((path / "progress.json").read_text(encoding="utf-8"))
        int(progress["iteration"]), dict(progress["covers"])  # noqa: B018 - shape check
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise damaged(path / "progress.json",
                      f"cannot be read ({type(error).__name__}: {error})") from None
    return progress


def load_checkpoint(path: Path, policy: HFPolicy, trainer: Trainer) -> int:
    """Restore weights, trainer state and RNGs; return the completed iteration count.

    Nothing is unpickled beyond tensors and plain containers; a file that holds anything
    else, or is damaged, is a `RunFolderError` naming it.
    """
    progress = read_progress(path)
    model_dir = path / "model"
    parallel = trainer.parallel
    adapter = isinstance(policy.model, PeftModel)  # only the adapter was saved
    weights = model_dir / ("adapter_model.safetensors" if adapter else "model.safetensors")
    try:
        tensors = load_file(weights)
    except Exception as error:  # safetensors' own error type for a bad header
        raise damaged(weights, f"cannot be read ({error})") from None
    try:
        if adapter:
            parallel.load_adapter(policy.model, tensors)
        else:
            parallel.load_full_state_dict(policy.model, tensors)
    except RuntimeError as error:
        first = str(error).strip().splitlines()[-1].strip()
        raise RunFolderError(
            f"checkpoint {path} does not fit the recipe's policy ({first}): it was written "
            "for another model or LoRA setting. Use that run's recipe, or another run "
            "folder.") from None
    state = _load_trainer_pt(path / "trainer.pt")
    trainer.load_state_dict(state["trainer"])
    torch.set_rng_state(state["torch_rng"])
    python_rng = progress["python_rng"]
    random.setstate((python_rng[0], tuple(python_rng[1]), python_rng[2]))
    numpy_rng = progress["numpy_rng"]
    np.random.set_state((numpy_rng[0], np.array(numpy_rng[1], dtype=np.uint32),
                         *numpy_rng[2:]))
    return int(progress["iteration"])


def _load_trainer_pt(path: Path) -> dict[str, Any]:
    try:
        state = torch.load(path, weights_only=True, map_location="cpu")
    except pickle.UnpicklingError as error:
        if (found := re.search(r"GLOBAL:? ?([\w.]+)", str(error))) is not None:
            raise damaged(path, f"holds objects other than tensors and plain data (it names "
                                f"{found.group(1)}), so it was not loaded: unpickling it "
                                "could run code") from None
        raise damaged(path, "cannot be read (not a torch file)") from None
    except Exception as error:  # a torn or foreign file: zip, EOF or pickle errors
        raise damaged(path, f"cannot be read ({type(error).__name__}: "
                            f"{str(error).splitlines()[0] if str(error) else ''})") from None
    if not isinstance(state, dict) or "trainer" not in state or "torch_rng" not in state:
        raise damaged(path, "is not an agentrl trainer state")
    return state


def _numpy_rng() -> list[Any]:
    name, keys, position, has_gauss, cached = np.random.get_state()
    return [name, keys.tolist(), int(position), int(has_gauss), float(cached)]


def _check_plain(value: Any, where: str) -> None:
    """Raise TypeError if ``value`` holds anything ``torch.load(weights_only=True)`` refuses:
    a state_dict must hold tensors, numbers, strings and lists / tuples / dicts of them."""
    if type(value) in (dict, OrderedDict):
        for key, item in value.items():
            _check_plain(key, f"{where} key")
            _check_plain(item, f"{where}[{key!r}]")
    elif type(value) in (list, tuple, torch.Size):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
    elif not (isinstance(value, torch.Tensor) or type(value) in _SCALARS):
        raise TypeError(f"{where} is a {type(value).__name__}; a checkpoint state holds only "
                        "tensors, numbers, strings, None and lists / tuples / dicts of them")
