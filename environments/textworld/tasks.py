"""Task generation: TextWorld games made offline from seeds, cached on disk per split.

Each difficulty draws a game's size from fixed ranges, with a `random.Random` seeded by
`agentrl.core.splits.split_seed`, so a (difficulty, split, index) always names the same game.
Games are compiled to Z-machine files (``.z8``, with TextWorld's ``.json`` beside them) under
``cache_dir("textworld")/<difficulty>/<split>/``. An ``index.json`` there lists the games made
so far; asking for more tasks later only generates the missing ones.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agentrl.core.splits import cache_dir, split_seed
from agentrl.core.types import STANDARD_SPLITS, Task

ENV_ID = "textworld"
INDEX_FILE = "index.json"
INDEX_FORMAT = 1
DEFAULT_TASKS_PER_SPLIT = {"train": 32, "valid": 8, "heldout": 16}


@dataclass(frozen=True)
class Difficulty:
    """Ranges a game's size is drawn from (inclusive), and the turn budget to solve it."""

    name: str
    rooms: tuple[int, int]
    objects: tuple[int, int]
    quest_length: tuple[int, int]
    max_turns: int


DIFFICULTIES: dict[str, Difficulty] = {
    d.name: d
    for d in (
        Difficulty("easy", rooms=(1, 2), objects=(2, 4), quest_length=(1, 2), max_turns=20),
        Difficulty("medium", rooms=(3, 5), objects=(5, 8), quest_length=(3, 4), max_turns=30),
        Difficulty("hard", rooms=(6, 9), objects=(9, 14), quest_length=(5, 7), max_turns=50),
    )
}


def get_difficulty(name: str) -> Difficulty:
    """The `Difficulty` called ``name``; a clear error lists the known ones."""
    if name not in DIFFICULTIES:
        raise ValueError(
            f"textworld: unknown difficulty {name!r}; choose one of {', '.join(DIFFICULTIES)}"
        )
    return DIFFICULTIES[name]


def game_size(difficulty: Difficulty, seed: int) -> dict[str, int]:
    """The rooms, objects and quest length of the game made from ``seed``."""
    rng = random.Random(seed)
    return {
        "nb_rooms": rng.randint(*difficulty.rooms),
        "nb_objects": rng.randint(*difficulty.objects),
        "quest_length": rng.randint(*difficulty.quest_length),
    }


def generate_game(difficulty: Difficulty, seed: int, path: Path) -> dict[str, Any]:
    """Make and compile one game to ``path`` (a ``.z8`` file; its ``.json`` goes beside it).

    Returns the game's index record: seed, size, objective and walkthrough length. The
    files are built in a temporary folder and moved in place, so a crash never leaves a
    half-written game behind.
    """
    from textworld import GameOptions
    from textworld.generator import compile_game, make_game

    size = game_size(difficulty, seed)
    options = GameOptions()
    options.seeds = seed
    options.nb_rooms = size["nb_rooms"]
    options.nb_objects = size["nb_objects"]
    options.quest_length = size["quest_length"]
    options.file_ext = ".z8"
    with tempfile.TemporaryDirectory(dir=path.parent, prefix=".build-") as build:
        options.path = str(Path(build) / path.name)
        game = make_game(options)
        compiled = Path(compile_game(game, options))
        os.replace(compiled.with_suffix(".json"), path.with_suffix(".json"))
        os.replace(compiled, path)
    return {
        "file": path.name,
        "seed": seed,
        **size,
        "objective": game.objective,
        "walkthrough_length": len(game.walkthrough or []),
    }


def split_folder(difficulty: str, split: str, root: Path | None = None) -> Path:
    """Where the games of ``difficulty``/``split`` are cached (created)."""
    folder = (root or cache_dir(ENV_ID)) / difficulty / split
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` so two processes don't generate the same games."""
    with open(folder / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def read_index(folder: Path) -> list[dict[str, Any]]:
    """The game records of ``folder``'s index whose files exist (empty when there is none)."""
    index = folder / INDEX_FILE
    if not index.exists():
        return []
    data = json.loads(index.read_text())
    if data.get("format") != INDEX_FORMAT:
        return []
    return [g for g in data["games"] if (folder / g["file"]).exists()]


def _write_index(folder: Path, games: list[dict[str, Any]]) -> None:
    payload = json.dumps({"format": INDEX_FORMAT, "games": games}, indent=1)
    temporary = folder / f".{INDEX_FILE}.{os.getpid()}"
    temporary.write_text(payload)
    os.replace(temporary, folder / INDEX_FILE)


def ensure_games(
    difficulty: str, split: str, count: int, root: Path | None = None
) -> list[dict[str, Any]]:
    """The first ``count`` game records of ``difficulty``/``split``, generating missing ones."""
    level = get_difficulty(difficulty)
    folder = split_folder(difficulty, split, root)
    games = {g["index"]: g for g in read_index(folder)}
    if all(i in games for i in range(count)):
        return [games[i] for i in range(count)]
    from tqdm.auto import tqdm

    with _locked(folder):
        games = {g["index"]: g for g in read_index(folder)}  # another process may have added
        missing = [i for i in range(count) if i not in games]
        label = f"textworld {difficulty}/{split}: generating games"
        for index in tqdm(missing, desc=label, disable=not missing):
            seed = split_seed(f"{ENV_ID}-{difficulty}", split, index)
            record = generate_game(level, seed, folder / f"game-{index:04d}.z8")
            games[index] = {"index": index, **record}
            _write_index(folder, sorted(games.values(), key=lambda g: g["index"]))
    return [games[i] for i in range(count)]


def resolve_counts(tasks_per_split: int | dict[str, int] | None) -> dict[str, int]:
    """Tasks per split: the defaults, one count for every split, or a per-split mapping."""
    if tasks_per_split is None:
        return dict(DEFAULT_TASKS_PER_SPLIT)
    if isinstance(tasks_per_split, int):
        return {split: tasks_per_split for split in STANDARD_SPLITS}
    unknown = set(tasks_per_split) - set(STANDARD_SPLITS)
    if unknown:
        raise ValueError(
            f"textworld: tasks_per_split names unknown splits {sorted(unknown)}; "
            f"splits: {', '.join(STANDARD_SPLITS)}"
        )
    return {**DEFAULT_TASKS_PER_SPLIT, **tasks_per_split}


def generated_tasks(
    difficulty: str, split: str, count: int, root: Path | None = None
) -> list[Task]:
    """The first ``count`` generated tasks of ``difficulty``/``split`` (generated if needed)."""
    folder = split_folder(difficulty, split, root)
    return [
        Task(
            id=f"{ENV_ID}-{difficulty}-{split}-{game['index']:04d}",
            env_id=ENV_ID,
            split=split,
            instruction=game["objective"],
            metadata={
                "game_file": str(folder / game["file"]),
                "difficulty": difficulty,
                "category": difficulty,
                "seed": game["seed"],
                "nb_rooms": game["nb_rooms"],
                "nb_objects": game["nb_objects"],
                "quest_length": game["quest_length"],
            },
        )
        for game in ensure_games(difficulty, split, count, root)
    ]
