"""Load the original ALFWorld release (``json_2.1.1``) as agentrl tasks, with its own splits.

Layout: ``<root>/json_2.1.1/<split>/<task folder>/<trial>/`` with ``traj_data.json`` and
``initial_state.pddl`` (and ``game.tw-pddl`` once ``alfworld-generate`` ran). As ALFWorld's
loader does, trials with movable receptacles or sliced objects are skipped, and so are
games marked unsolvable. A trial without ``game.tw-pddl`` gets one built into the agentrl
cache (domain + grammar with the templated goal + its problem), never into the user's copy.
"""

from __future__ import annotations

import json
import random
import shutil
from pathlib import Path

import alfworld.gen.goal_library as goal_library
from alfworld.info import ALFRED_PDDL_PATH, ALFRED_TWL2_PATH

from agentrl.core.types import Task
from agentrl.environments.alfworld.catalog import TASK_CATEGORY, TASK_TYPES

ORIGINAL_SPLITS = ("train", "valid_seen", "valid_unseen")


def release_root(path: str | Path) -> Path | None:
    """The ``json_2.1.1`` folder under ``path`` (or ``path`` itself), if it holds the release."""
    path = Path(path).expanduser()
    for candidate in (path / "json_2.1.1", path):
        if any((candidate / split).is_dir() for split in ORIGINAL_SPLITS):
            return candidate
    return None


def templated_goal(traj_data: dict, seed: str) -> str:
    """ALFWorld's templated goal text for a trial, template chosen deterministically."""
    params = traj_data["pddl_params"]
    templates = goal_library.gdict[traj_data["task_type"]]["templates"]
    template = random.Random(seed).choice(templates)
    return template.format(
        obj=params["object_target"].lower(),
        recep=params["parent_target"].lower(),
        toggle=params["toggle_target"].lower(),
        mrecep=params["mrecep_target"].lower(),
    )


def _build_game(trial: Path, traj_data: dict, goal: str, out: Path) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    game = {
        "pddl_domain": Path(ALFRED_PDDL_PATH).read_text(),
        "grammar": Path(ALFRED_TWL2_PATH).read_text().replace("UNKNOWN GOAL", goal),
        "pddl_problem": (trial / "initial_state.pddl").read_text(),
        "solvable": True,
        "walkthrough": None,
    }
    shutil.copyfile(trial / "traj_data.json", out / "traj_data.json")
    (out / "game.tw-pddl").write_text(json.dumps(game))
    return out / "game.tw-pddl"


def _game_goal(game_file: Path) -> str | None:
    grammar = json.loads(game_file.read_text())["grammar"]
    marker = "Your task is to: "
    if marker not in grammar:
        return None
    return grammar.split(marker, 1)[1].split('"', 1)[0].rstrip(".")


def load_split(
    root: Path, split: str, cache: Path, task_types: tuple[str, ...] = TASK_TYPES
) -> list[Task]:
    """The usable trials of one original split, sorted by path."""
    tasks: list[Task] = []
    for traj_file in sorted((root / split).glob("*/*/traj_data.json")):
        trial = traj_file.parent
        relative = trial.relative_to(root)
        if "movable" in str(relative) or "Sliced" in str(relative):
            continue
        traj_data = json.loads(traj_file.read_text())
        if traj_data["task_type"] not in task_types:
            continue
        game_file = trial / "game.tw-pddl"
        if game_file.exists():
            if json.loads(game_file.read_text()).get("solvable") is False:
                continue
            goal = _game_goal(game_file) or templated_goal(traj_data, str(relative))
        elif (trial / "initial_state.pddl").exists():
            goal = templated_goal(traj_data, str(relative))
            game_file = cache / relative / "game.tw-pddl"
            if not game_file.exists():
                _build_game(trial, traj_data, goal, game_file.parent)
        else:
            continue
        tasks.append(
            Task(
                id=f"{split}/{relative.relative_to(split)}",
                env_id="alfworld",
                split=split,
                instruction=goal,
                metadata={
                    "source": "original",
                    "game_file": str(game_file),
                    "task_type": traj_data["task_type"],
                    "category": TASK_CATEGORY[traj_data["task_type"]],
                    "pddl_params": traj_data["pddl_params"],
                },
            )
        )
    return tasks
