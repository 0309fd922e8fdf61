"""The rooms ALFWorld ships: receptacles, object types and ALFRED's affordance tables.

Reads the floor-plan layouts in ``alfworld/gen/layouts`` (``FloorPlanN-objects.json``: the
object and receptacle types present in room N; ``FloorPlanN-openable.json``: every
receptacle instance with the pose an agent interacts with it from) and the tables of
``alfworld.gen.constants`` (which receptacle can hold which object, which objects can be
heated, cooled, cleaned or toggled). Nothing here is copied: the installed package is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import alfworld.gen.constants as alfred_constants

LAYOUTS_DIR = Path(alfred_constants.__file__).parent / "layouts"

TASK_TYPES = (
    "pick_and_place_simple",
    "look_at_obj_in_light",
    "pick_clean_then_place_in_recep",
    "pick_heat_then_place_in_recep",
    "pick_cool_then_place_in_recep",
    "pick_two_obj_and_place",
)
# Task type → the category name of the papers' per-type tables (Pick, Look, Clean, Heat,
# Cool, Pick Two); `Task.metadata["category"]`.
TASK_CATEGORY = {
    "pick_and_place_simple": "pick_and_place",
    "look_at_obj_in_light": "look_at_obj_in_light",
    "pick_clean_then_place_in_recep": "pick_clean_then_place",
    "pick_heat_then_place_in_recep": "pick_heat_then_place",
    "pick_cool_then_place_in_recep": "pick_cool_then_place",
    "pick_two_obj_and_place": "pick_two_obj_and_place",
}

# The appliance each state-change task needs, as in ALFRED's goal definitions.
APPLIANCE = {
    "pick_clean_then_place_in_recep": "SinkBasin",
    "pick_heat_then_place_in_recep": "Microwave",
    "pick_cool_then_place_in_recep": "Fridge",
}
# The affordance an object needs for each state-change task (alfworld.gen.constants names).
AFFORDANCE = {
    "pick_clean_then_place_in_recep": "Cleanable",
    "pick_heat_then_place_in_recep": "Heatable",
    "pick_cool_then_place_in_recep": "Coolable",
}

# ALFRED lists no receptacle for lamps (they are not pickupable); these are where a lamp
# stands, so that "use desklamp 1" is admissible once the agent is beside it.
LAMP_RECEPTACLES = {
    "DeskLamp": ("Desk", "SideTable", "Dresser", "Shelf"),
    "FloorLamp": ("SideTable", "Dresser", "Desk", "Sofa", "ArmChair"),
}

ROOM_TYPES = {
    "Kitchen": range(1, 31),
    "LivingRoom": range(201, 231),
    "Bedroom": range(301, 331),
    "Bathroom": range(401, 431),
}

# ALFRED's validation-unseen rooms (one per room type); never used for training tasks.
VALID_UNSEEN_SCENES = (10, 219, 308, 424)
# ALFRED's test rooms (the first six of each room type); only the heldout split uses them.
HELDOUT_SCENES = tuple(number for first in (1, 201, 301, 401) for number in range(first, first + 6))


@dataclass(frozen=True)
class Receptacle:
    """One receptacle instance of a room: its ALFRED id, its type and where it is."""

    id: str
    type: str
    location: str


@dataclass(frozen=True)
class Room:
    """One ALFRED floor plan as a text-world room."""

    scene_num: int
    room_type: str
    receptacles: tuple[Receptacle, ...]
    object_types: tuple[str, ...]

    @property
    def floor_plan(self) -> str:
        """ALFRED's scene name, e.g. 'FloorPlan12'."""
        return f"FloorPlan{self.scene_num}"

    @property
    def receptacle_types(self) -> frozenset[str]:
        """The distinct types of the room's receptacles."""
        return frozenset(r.type for r in self.receptacles)


def room_type_of(scene_num: int) -> str:
    """'Kitchen', 'LivingRoom', 'Bedroom' or 'Bathroom' for an ALFRED scene number."""
    for name, numbers in ROOM_TYPES.items():
        if scene_num in numbers:
            return name
    raise ValueError(
        f"scene {scene_num} is not an ALFRED floor plan (1-30, 201-230, 301-330, 401-430)"
    )


def receptacle_type(alfred_id: str) -> str:
    """Type of a receptacle id: 'Cabinet|+00.68|...' -> 'Cabinet'; sinks map to their basin."""
    parts = alfred_id.split("|")
    return parts[4] if len(parts) > 4 else parts[0]


def location_name(pose: list[float]) -> str:
    """ALFWorld's location naming: grid x, grid z, rotation / 90, camera horizon."""
    x, z, rotation, horizon = pose
    return f"loc|{round(x / 0.25)}|{round(z / 0.25)}|{int(rotation) // 90}|{int(horizon)}"


@cache
def placeable_objects() -> dict[str, frozenset[str]]:
    """Object type -> receptacle types that may hold it (ALFRED's table, plus lamps)."""
    table: dict[str, set[str]] = {}
    for recep, objects in alfred_constants.VAL_RECEPTACLE_OBJECTS.items():
        for obj in objects:
            if not obj.endswith("Sliced"):
                table.setdefault(obj, set()).add(recep)
    for lamp, receps in LAMP_RECEPTACLES.items():
        table[lamp] = set(receps)
    return {obj: frozenset(receps) for obj, receps in table.items()}


def has_affordance(object_type: str, affordance: str) -> bool:
    """Whether ALFRED lets ``object_type`` be e.g. 'Heatable', 'Toggleable'."""
    return object_type in alfred_constants.VAL_ACTION_OBJECTS[affordance]


def is_openable(recep_type: str) -> bool:
    """Whether ALFRED's receptacles of type ``recep_type`` open and close."""
    return recep_type in alfred_constants.OPENABLE_CLASS_SET


def is_receptacle_object(object_type: str) -> bool:
    """Movable receptacles (bowl, mug, ...) are objects the agent carries."""
    return object_type in alfred_constants.MOVABLE_RECEPTACLES_SET


@cache
def load_room(scene_num: int) -> Room:
    """Read one floor plan; receptacle types listed without a pose get a location of their own."""
    stem = LAYOUTS_DIR / f"FloorPlan{scene_num}"
    types = json.loads(Path(f"{stem}-objects.json").read_text())
    poses = json.loads(Path(f"{stem}-openable.json").read_text())
    receptacles: list[Receptacle] = []
    used: set[str] = set()
    for alfred_id in sorted(poses):
        location = location_name(poses[alfred_id])
        while location in used:  # one receptacle per location keeps "go to" unambiguous
            location += "|b"
        used.add(location)
        receptacles.append(Receptacle(alfred_id, receptacle_type(alfred_id), location))
    present = {r.type for r in receptacles}
    static = alfred_constants.RECEPTACLES - alfred_constants.MOVABLE_RECEPTACLES_SET
    for index, missing in enumerate(sorted(set(types) & static - present), start=1):
        alfred_id = f"{missing}|+00.00|+00.00|+{index:02d}.00"
        receptacles.append(Receptacle(alfred_id, missing, f"loc|extra|{index}"))
    placeable = placeable_objects()
    object_types = tuple(sorted(t for t in set(types) if t in placeable))
    return Room(scene_num, room_type_of(scene_num), tuple(receptacles), object_types)


def all_scene_numbers() -> tuple[int, ...]:
    """Every floor plan that ships a layout, in numeric order."""
    numbers = {
        int(path.name.split("-")[0].removeprefix("FloorPlan"))
        for path in LAYOUTS_DIR.glob("FloorPlan*-objects.json")
    }
    return tuple(sorted(numbers))
