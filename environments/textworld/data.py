"""Real data: a folder of user-supplied TextWorld games, split deterministically by file name.

Each game is a Z-machine file (``.z1`` … ``.z8``) with the ``.json`` TextWorld wrote beside it
(state tracking and admissible commands need it). A game's split is fixed by a stable hash of
its file name: 70 % train, 15 % valid, 15 % heldout, whatever else is in the folder.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from agentrl.core.splits import stable_hash
from agentrl.core.types import Task
from agentrl.environments.textworld.tasks import ENV_ID

# Upper bounds (exclusive) of each split on stable_hash(name) % 100.
SPLIT_PERCENTILES = (("train", 70), ("valid", 85), ("heldout", 100))
_ZMACHINE = re.compile(r"\.z[1-8]$")


def split_of(file_name: str) -> str:
    """The split a game file belongs to, from a hash of its name (stable across machines)."""
    bucket = stable_hash(file_name) % 100
    return next(split for split, bound in SPLIT_PERCENTILES if bucket < bound)


def find_games(games_dir: Path) -> list[Path]:
    """The playable game files of ``games_dir`` (recursively), sorted; clear errors otherwise."""
    if not games_dir.is_dir():
        raise FileNotFoundError(f"textworld: games_dir {str(games_dir)!r} is not a folder")
    games = sorted(p for p in games_dir.rglob("*") if _ZMACHINE.search(p.name))
    glulx = sorted(games_dir.rglob("*.ulx"))
    if glulx and not games:
        raise ValueError(
            f"textworld: {games_dir} holds only Glulx games (e.g. {glulx[0].name}); TextWorld "
            ">= 1.7 plays Z-machine games only: recompile them with `tw-make ... --format z8`"
        )
    if not games:
        raise FileNotFoundError(
            f"textworld: no games (*.z8 with their .json) found under {games_dir}"
        )
    orphans = [p.name for p in games if not p.with_suffix(".json").exists()]
    if orphans:
        raise FileNotFoundError(
            f"textworld: games without their TextWorld .json beside them: {orphans[:5]}; "
            "the .json written by tw-make is needed to track state and admissible commands"
        )
    return games


def load_games_dir(games_dir: str | Path, split: str) -> list[Task]:
    """The tasks of ``split`` among the games under ``games_dir``, in file-name order."""
    root = Path(games_dir).expanduser().resolve()
    tasks = []
    for path in find_games(root):
        relative = path.relative_to(root).as_posix()
        if split_of(path.name) != split:
            continue
        game = json.loads(path.with_suffix(".json").read_text())
        tasks.append(
            Task(
                id=f"{ENV_ID}-{relative}",
                env_id=ENV_ID,
                split=split,
                instruction=game.get("objective", ""),
                metadata={"game_file": str(path), "difficulty": "custom", "category": "custom"},
            )
        )
    return tasks
