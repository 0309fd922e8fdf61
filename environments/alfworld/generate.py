"""Generate ALFWorld tasks offline from the shipped floor plans, in ALFWorld's own file format.

Each task is a folder ``<task_type>-<Object>-None-<Parent>-<scene>/trial_<n>/`` holding
``traj_data.json`` (task type, ``pddl_params``, goal annotation), ``initial_state.pddl`` and
``game.tw-pddl`` (domain + grammar with the goal text + problem), exactly the files the
original ``json_2.1.1`` release has, so one loader and ALFWorld's own expert serve both.

Splits are deterministic: ``train`` and ``valid_seen`` use ALFRED's training rooms,
``valid_unseen`` ALFRED's validation-unseen rooms, ``heldout`` ALFRED's test rooms *and*
(task type, object, receptacle) combinations that no other split ever uses.
"""

from __future__ import annotations

import json
import os
import random
from dataclasses import asdict, dataclass
from pathlib import Path

import alfworld.gen.constants as alfred_constants
import alfworld.gen.goal_library as goal_library
from alfworld.info import ALFRED_PDDL_PATH, ALFRED_TWL2_PATH

from agentrl.core.splits import split_seed, stable_hash
from agentrl.environments.alfworld.catalog import (
    AFFORDANCE,
    APPLIANCE,
    HELDOUT_SCENES,
    TASK_TYPES,
    VALID_UNSEEN_SCENES,
    Room,
    all_scene_numbers,
    has_affordance,
    load_room,
    placeable_objects,
)
from agentrl.environments.alfworld.pddl import Placement, Scene, goal_text, problem_text

GENERATOR_VERSION = "v1"
GENERATED_SPLITS = ("train", "valid_seen", "valid_unseen", "heldout")
HELDOUT_COMBO_PERCENT = 10  # share of (type, object, receptacle) combinations kept for heldout
LAMPS = ("DeskLamp", "FloorLamp")


@dataclass(frozen=True)
class TaskSpec:
    """What one generated task asks, where, and the seed of its object layout."""

    split: str
    index: int
    scene_num: int
    task_type: str
    object_target: str
    parent_target: str
    toggle_target: str
    goal: str
    layout_seed: int

    @property
    def folder(self) -> str:
        """ALFWorld's task folder name, e.g. 'pick_and_place_simple-Apple-None-Fridge-12'."""
        target = self.parent_target or self.toggle_target
        return f"{self.task_type}-{self.object_target}-None-{target}-{self.scene_num}"

    @property
    def pddl_params(self) -> dict[str, object]:
        """The task's ``pddl_params`` as in ALFWorld's traj_data.json."""
        return {
            "object_target": self.object_target,
            "parent_target": self.parent_target,
            "toggle_target": self.toggle_target,
            "mrecep_target": "",
            "object_sliced": False,
        }


def split_scenes(split: str) -> tuple[int, ...]:
    """The rooms a split draws from."""
    if split == "valid_unseen":
        return VALID_UNSEEN_SCENES
    if split == "heldout":
        return HELDOUT_SCENES
    if split in ("train", "valid_seen"):
        excluded = set(VALID_UNSEEN_SCENES) | set(HELDOUT_SCENES)
        return tuple(n for n in all_scene_numbers() if n not in excluded)
    raise ValueError(f"unknown split {split!r}; generated splits: {', '.join(GENERATED_SPLITS)}")


def is_heldout_combo(task_type: str, obj: str, target: str) -> bool:
    """Whether a (task type, object, receptacle or lamp) combination belongs to heldout only."""
    return stable_hash(f"alfworld/{task_type}/{obj}/{target}") % 100 < HELDOUT_COMBO_PERCENT


def _start_receptacles(room: Room, obj: str, parent: str) -> set[str]:
    return set(placeable_objects()[obj] & room.receptacle_types) - {parent}


def feasible_combos(room: Room, task_type: str) -> list[tuple[str, str]]:
    """(object, parent or lamp) pairs ``task_type`` can be posed with in ``room``."""
    if room.room_type not in alfred_constants.GOALS_VALID[task_type]:
        return []
    objects = [o for o in room.object_types if o not in LAMPS]
    if task_type == "look_at_obj_in_light":
        lamps = [
            lamp
            for lamp in LAMPS
            if lamp in room.object_types and _start_receptacles(room, lamp, "")
        ]
        return [(o, lamp) for lamp in lamps for o in objects if _start_receptacles(room, o, "")]
    appliance = APPLIANCE.get(task_type)
    if appliance and appliance not in room.receptacle_types:
        return []
    combos = []
    for obj in objects:
        if task_type in AFFORDANCE and not has_affordance(obj, AFFORDANCE[task_type]):
            continue
        for parent in sorted(placeable_objects()[obj] & room.receptacle_types - {appliance}):
            if _start_receptacles(room, obj, parent):
                combos.append((obj, parent))
    return combos


def sample_task(split: str, index: int, task_type: str) -> TaskSpec:
    """Task ``index`` of ``split``: a room of the split and a combination allowed there."""
    rng = random.Random(split_seed("alfworld", split, index))
    scenes = list(split_scenes(split))
    for _ in range(200):
        room = load_room(rng.choice(scenes))
        combos = [
            (obj, target)
            for obj, target in feasible_combos(room, task_type)
            if is_heldout_combo(task_type, obj, target) == (split == "heldout")
        ]
        if combos:
            break
    else:
        raise RuntimeError(f"no room of split {split!r} supports a {task_type} task")
    obj, target = rng.choice(combos)
    is_look = task_type == "look_at_obj_in_light"
    template = rng.choice(goal_library.gdict[task_type]["templates"])
    goal = template.format(obj=obj.lower(), recep=target.lower(), toggle=target.lower())
    return TaskSpec(
        split=split,
        index=index,
        scene_num=room.scene_num,
        task_type=task_type,
        object_target=obj,
        parent_target="" if is_look else target,
        toggle_target=target if is_look else "",
        goal=goal,
        layout_seed=rng.randrange(2**31),
    )


def generate_specs(
    split: str, count: int, task_types: tuple[str, ...] = TASK_TYPES
) -> list[TaskSpec]:
    """``count`` tasks of ``split``, cycling through ``task_types`` so each is represented."""
    return [sample_task(split, i, task_types[i % len(task_types)]) for i in range(count)]


def sample_scene(spec: TaskSpec) -> Scene:
    """Fill the task's room with objects; the goal never holds at the start."""
    room = load_room(spec.scene_num)
    rng = random.Random(spec.layout_seed)
    placements: list[Placement] = []
    for obj in room.object_types:
        is_target = obj == spec.object_target
        if obj in LAMPS:
            count = 1
        elif is_target:
            count = rng.randint(2 if spec.task_type == "pick_two_obj_and_place" else 1, 3)
        else:
            count = rng.randint(1, 2)
        avoid = spec.parent_target if is_target else ""
        choices = [
            r for r in room.receptacles if r.type in placeable_objects()[obj] and r.type != avoid
        ]
        for k in range(count if choices else 0):
            alfred_id = f"{obj}|+{k + 1:02d}.00|+00.00|+00.00"
            placements.append(Placement(alfred_id, obj, rng.choice(choices).id))
    return Scene(room, tuple(placements))


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_game(spec: TaskSpec, root: Path) -> Path:
    """Write the task's three files under ``root`` (once) and return its ``game.tw-pddl``."""
    folder = root / spec.split / spec.folder / f"trial_{spec.index:05d}"
    game_file = folder / "game.tw-pddl"
    if game_file.exists():
        return game_file
    folder.mkdir(parents=True, exist_ok=True)
    goal = goal_text(spec.task_type, spec.object_target, spec.parent_target, spec.toggle_target)
    problem = problem_text(sample_scene(spec), goal, name=f"plan_{spec.split}_{spec.index}")
    traj_data = {
        "task_id": f"{spec.split}_{spec.index:05d}",
        "task_type": spec.task_type,
        "pddl_params": spec.pddl_params,
        "scene": {"floor_plan": f"FloorPlan{spec.scene_num}", "scene_num": spec.scene_num},
        "turk_annotations": {"anns": [{"task_desc": spec.goal, "high_descs": []}]},
        "agentrl": {"generator": GENERATOR_VERSION, **asdict(spec)},
    }
    grammar = Path(ALFRED_TWL2_PATH).read_text().replace("UNKNOWN GOAL", spec.goal)
    game = {
        "pddl_domain": Path(ALFRED_PDDL_PATH).read_text(),
        "grammar": grammar,
        "pddl_problem": problem,
        "solvable": True,
        "walkthrough": None,
    }
    _write_atomic(folder / "traj_data.json", json.dumps(traj_data, indent=1))
    _write_atomic(folder / "initial_state.pddl", problem)
    _write_atomic(game_file, json.dumps(game))
    return game_file
