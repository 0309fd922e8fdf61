"""Where an `AlfWorldEnv` gets its tasks: generated offline, or the original release.

Generated task lists are cached as JSON under ``agentrl.core.splits.cache_dir("alfworld")``
and their game files are written there on first use, so a split of thousands of tasks
costs milliseconds until an episode actually needs one.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path

from agentrl.core.splits import cache_dir
from agentrl.core.types import Task
from agentrl.environments.alfworld.catalog import TASK_CATEGORY
from agentrl.environments.alfworld.generate import (
    GENERATOR_VERSION,
    TaskSpec,
    generate_specs,
    write_game,
)

# ALFWorld's split sizes (train games, valid_seen, valid_unseen); heldout matches valid_unseen.
DEFAULT_SIZES = {"train": 3553, "valid_seen": 140, "valid_unseen": 134, "heldout": 134}


def generated_root() -> Path:
    """Folder of generated game files (``$AGENTRL_CACHE/alfworld/generated-v1``)."""
    return cache_dir("alfworld") / f"generated-{GENERATOR_VERSION}"


def spec_to_task(spec: TaskSpec) -> Task:
    """The `Task` of a generated ``spec``; its metadata keep the spec and PDDL parameters."""
    return Task(
        id=f"{spec.split}/{spec.index:05d}-{spec.folder}",
        env_id="alfworld",
        split=spec.split,
        instruction=spec.goal,
        metadata={
            "source": "generated",
            "task_type": spec.task_type,
            "category": TASK_CATEGORY[spec.task_type],
            "pddl_params": spec.pddl_params,
            "spec": asdict(spec),
        },
    )


def generated_tasks(split: str, count: int, task_types: tuple[str, ...]) -> list[Task]:
    """``count`` generated tasks of ``split`` (index cached on disk)."""
    digest = hashlib.sha1(",".join(task_types).encode()).hexdigest()[:8]
    index_file = generated_root() / f"index-{split}-{count}-{digest}.json"
    if index_file.exists():
        specs = [TaskSpec(**item) for item in json.loads(index_file.read_text())]
    else:
        specs = generate_specs(split, count, task_types)
        index_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = index_file.with_name(f".{index_file.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps([asdict(s) for s in specs]))
        os.replace(tmp, index_file)
    return [spec_to_task(spec) for spec in specs]


def game_file_of(task: Task) -> str:
    """The ``game.tw-pddl`` a task plays, writing a generated one on first use."""
    metadata = task.metadata
    if metadata.get("source") == "original":
        return str(metadata["game_file"])
    if metadata.get("source") == "generated":
        return str(write_game(TaskSpec(**metadata["spec"]), generated_root()))
    raise ValueError(
        f"task {task.id!r} has no ALFWorld game: metadata.source must be 'generated' or "
        f"'original' (got {metadata.get('source')!r}); build tasks with AlfWorldEnv.tasks()"
    )
