"""A run folder's state before (re)starting: fresh, resumable, or refused.

`inspect_run_folder` only reads: it refuses a folder whose stored ``recipe.yaml`` is
another run's (the differing keys named), or whose checkpoint is damaged or missing a
file, or whose files hold less than the checkpoint covers. `RunFolder.settle` then makes
the files agree with the checkpoint: every file the checkpoint covers is cut back to the
bytes it covers (what was written after it — episodes, metrics and samples lines, a torn
last line — is dropped, and done again), the TensorBoard events are rebuilt from
metrics.jsonl by the logger; with no checkpoint, a folder holding a killed run's files is
emptied (announced): the same recipe starts again from iteration 0.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from agentrl.run.checkpoint import COVERED_FILES, latest_checkpoint, read_progress
from agentrl.run.errors import RunFolderError

RUN_FILES = (*COVERED_FILES, "tensorboard", "warm_start", "images", "checkpoints",
             "eval.json", "eval_trajectories.jsonl", "report.md", "learning_curves.png")
"""What a run writes in its folder (besides recipe.yaml); a clean restart removes these."""

MAY_CHANGE_ON_RESUME = (
    "trainer.iterations", "trainer.checkpoint_every", "trainer.eval_every",
    "trainer.samples_per_iteration", "trainer.strategy", "trainer.dist_timeout_s",
    "eval.", "logging.", "policy.device", "policy.cpu_threads", "policy.max_batch_size",
    "policy.backend", "policy.vllm.", "policy.openai.", "rollout.env_workers",
    "rollout.ray_", "rollout.workers", "rollout.step_timeout_s", "rollout.episode_timeout_s",
    "optim.micro_batch_size", "optim.activation_checkpointing",
    "algorithm.measure_rollout_mismatch",
)
"""Recipe keys (or prefixes ending in '.') that do not change what a run is: how long it
runs, how it is evaluated and logged, where and how fast it computes. Any other key that
differs from the stored recipe.yaml refuses the resume."""


@dataclass
class RunFolder:
    """What `inspect_run_folder` found; `settle` acts on it (on the main rank only)."""

    path: Path
    checkpoint: Path | None
    covers: dict[str, int] = field(default_factory=dict)

    def store_recipe(self, recipe: BaseModel) -> None:
        """Write ``recipe`` (found to be this run's own) as the folder's recipe.yaml."""
        stored = self.path / "recipe.yaml"
        partial = stored.with_suffix(".yaml.tmp")
        partial.write_text(yaml.safe_dump(recipe.model_dump(), sort_keys=False))
        os.replace(partial, stored)

    def settle(self, say: Callable[[str], None]) -> None:
        """Cut the run's files back to the checkpoint (or empty a checkpoint-less run's
        folder) and say what was dropped."""
        if self.checkpoint is not None:
            dropped = {name: count for name, size in self.covers.items()
                       if (count := _truncate(self.path / name, size))}
            shutil.rmtree(self.path / "tensorboard", ignore_errors=True)  # rebuilt
            if dropped:
                say("dropped what was written after checkpoint "
                    f"{self.checkpoint.name} (done again now): "
                    + ", ".join(f"{name} {count} line(s)" for name, count in dropped.items()))
        elif removed := [name for name in RUN_FILES if (self.path / name).exists()]:
            for name in removed:
                target = self.path / name
                shutil.rmtree(target) if target.is_dir() else target.unlink()
            say(f"no checkpoint in {self.path}: the run starts again from iteration 0 "
                f"(removed {', '.join(removed)} of the run killed before its first "
                "checkpoint)")


def inspect_run_folder(run_dir: Path, recipe: BaseModel) -> RunFolder:
    """Read ``run_dir`` and say how to (re)start ``recipe`` in it; `RunFolderError` when
    the folder is another recipe's run, damaged, or holds less than its checkpoint says."""
    stored = run_dir / "recipe.yaml"
    checkpoint = latest_checkpoint(run_dir)
    if stored.exists():
        check_same_run(stored, recipe)
    elif checkpoint is not None:
        raise RunFolderError(
            f"{run_dir} has a checkpoint but no recipe.yaml, so it cannot be checked that "
            f"this recipe is the run's own. Restore {stored} (the recipe the run started "
            f"with), or remove {run_dir} (or give the run another name) to start over.")
    if checkpoint is None:
        return RunFolder(run_dir, None)
    covers = {name: int(size) for name, size in read_progress(checkpoint)["covers"].items()}
    for name, size in covers.items():
        _check_covered(run_dir / name, size, checkpoint)
    return RunFolder(run_dir, checkpoint, covers)


def check_same_run(stored: Path, recipe: BaseModel) -> None:
    """Refuse ``recipe`` if it differs from the stored one in a key that changes what the
    run is (anything outside `MAY_CHANGE_ON_RESUME`), naming each such key."""
    try:
        before = yaml.safe_load(stored.read_text(encoding="utf-8"))
        before = type(recipe).model_validate(before).model_dump(mode="json")
    except Exception as error:  # YAML, decoding or validation: the file is not a recipe
        raise RunFolderError(
            f"{stored} cannot be read as a recipe ({type(error).__name__}), so it cannot be "
            f"checked that this recipe is the run's own. Restore it, or remove "
            f"{stored.parent} (or give the run another name) to start over.") from None
    now = dict(_flat(recipe.model_dump(mode="json")))
    before = dict(_flat(before))
    differing = [key for key in sorted(now.keys() | before.keys())
                 if now.get(key, "<unset>") != before.get(key, "<unset>")
                 and not key.startswith(MAY_CHANGE_ON_RESUME)]
    if differing:
        shown = "; ".join(f"{key}: {json.dumps(before.get(key, '<unset>'))} in the run, "
                          f"{json.dumps(now.get(key, '<unset>'))} now" for key in differing)
        raise RunFolderError(
            f"{stored.parent} holds a run of another recipe ({shown}); resuming it would mix "
            "two runs. Give this recipe another name (name=…), or use the run's own recipe "
            f"({stored}, kept as it is). Keys that do not change what the run is, such as "
            "trainer.iterations, eval.* and logging.*, may differ on resume.")


def _flat(tree: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(tree, dict) and tree:
        for key, value in tree.items():
            yield from _flat(value, f"{prefix}{key}.")
    else:
        yield prefix.removesuffix("."), tree


def _check_covered(path: Path, size: int, checkpoint: Path) -> None:
    have = path.stat().st_size if path.exists() else 0
    ends_a_line = size == 0
    if 0 < size <= have:
        with path.open("rb") as file:
            file.seek(size - 1)
            ends_a_line = file.read(1) == b"\n"
    if have < size or not ends_a_line:
        raise RunFolderError(
            f"{path} holds {have} bytes, but checkpoint {checkpoint} covers its first {size} "
            f"(ending a line): the file lost lines or was changed after it. Restore it from "
            f"a copy of the run folder, or remove {path.parent} (or give the run another "
            "name) to start over.")


def _truncate(path: Path, size: int) -> int:
    """Cut ``path`` back to ``size`` bytes; the number of lines (torn ones too) dropped."""
    if not path.exists() or path.stat().st_size == size:
        return 0
    with path.open("rb+") as file:
        file.seek(size)
        tail = file.read()
        file.truncate(size)
    return tail.count(b"\n") + (not tail.endswith(b"\n"))
