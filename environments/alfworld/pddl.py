"""Write ALFWorld PDDL problems (``initial_state.pddl``) for the shipped ``alfred.pddl`` domain.

A problem lists every object, receptacle and location of one room, the facts that hold at
the start (types, affordances, where each object lies, where the agent stands) and the goal
of the task type, taken from ALFRED's own goal library (``alfworld.gen.goal_library``).
Names are ALFRED ids mangled the way ALFWorld's files mangle them
(``Apple|+01.20|...`` -> ``Apple_bar__plus_01_dot_20...``), so ALFWorld's demangler turns
them into the names the agent reads ("apple 1").
"""

from __future__ import annotations

from dataclasses import dataclass

import alfworld.gen.constants as alfred_constants
import alfworld.gen.goal_library as goal_library

from agentrl.environments.alfworld.catalog import (
    Room,
    has_affordance,
    is_openable,
    is_receptacle_object,
    placeable_objects,
)

_MANGLE = (("|", "_bar_"), ("+", "_plus_"), ("-", "_minus_"), (".", "_dot_"))
AGENT = "agent1"
START_LOCATION = "loc|start"
# A type name is declared once: static receptacles are rtypes, everything else an otype.
RECEPTACLE_TYPES = frozenset(
    alfred_constants.RECEPTACLES - alfred_constants.MOVABLE_RECEPTACLES_SET
)
OBJECT_TYPES = frozenset(alfred_constants.OBJECTS_WSLICED) - RECEPTACLE_TYPES


def mangle(alfred_id: str) -> str:
    """ALFRED id -> PDDL name, as ALFWorld writes it."""
    for char, word in _MANGLE:
        alfred_id = alfred_id.replace(char, word)
    return alfred_id


@dataclass(frozen=True)
class Placement:
    """One object instance and the receptacle it starts in."""

    id: str
    type: str
    receptacle: str


@dataclass(frozen=True)
class Scene:
    """A room filled with objects: everything `problem_text` needs besides the goal."""

    room: Room
    placements: tuple[Placement, ...]


def goal_text(task_type: str, object_target: str, parent_target: str, toggle_target: str) -> str:
    """The PDDL goal of ``task_type`` from ALFRED's goal library, closing the problem."""
    template = goal_library.gdict[task_type]["pddl"].replace("#", "-")
    return template.format(obj=object_target, recep=parent_target, toggle=toggle_target)


def _declarations(scene: Scene) -> list[str]:
    lines = [f"{AGENT} - agent"]
    lines += [f"{t}Type - otype" for t in sorted(OBJECT_TYPES)]
    lines += [f"{t}Type - rtype" for t in sorted(RECEPTACLE_TYPES)]
    lines += [f"{mangle(p.id)} - object" for p in scene.placements]
    lines += [f"{mangle(r.id)} - receptacle" for r in scene.room.receptacles]
    locations = sorted({r.location for r in scene.room.receptacles} | {START_LOCATION})
    lines += [f"{mangle(loc)} - location" for loc in locations]
    return lines


def _object_facts(scene: Scene) -> list[str]:
    where = {r.id: r.location for r in scene.room.receptacles}
    facts: list[str] = []
    for p in scene.placements:
        name = mangle(p.id)
        facts.append(f"(objectType {name} {p.type}Type)")
        facts.append(f"(inReceptacle {name} {mangle(p.receptacle)})")
        facts.append(f"(objectAtLocation {name} {mangle(where[p.receptacle])})")
        if has_affordance(p.type, "Toggleable"):
            facts.append(f"(toggleable {name})")
        else:
            facts.append(f"(pickupable {name})")
        for affordance, predicate in (
            ("Cleanable", "cleanable"),
            ("Heatable", "heatable"),
            ("Coolable", "coolable"),
            ("Sliceable", "sliceable"),
        ):
            if has_affordance(p.type, affordance):
                facts.append(f"({predicate} {name})")
        if is_receptacle_object(p.type):
            facts.append(f"(isReceptacleObject {name})")
    return facts


def _receptacle_facts(scene: Scene) -> list[str]:
    facts: list[str] = []
    for r in scene.room.receptacles:
        name = mangle(r.id)
        facts.append(f"(receptacleType {name} {r.type}Type)")
        facts.append(f"(receptacleAtLocation {name} {mangle(r.location)})")
        if is_openable(r.type):
            facts.append(f"(openable {name})")
    room_types = scene.room.receptacle_types
    for obj, receps in sorted(placeable_objects().items()):
        for recep in sorted(receps & room_types):
            facts.append(f"(canContain {recep}Type {obj}Type)")
    return facts


def problem_text(scene: Scene, goal: str, name: str) -> str:
    """The whole ``initial_state.pddl`` of ``scene`` with PDDL ``goal``."""
    indent = "\n        "
    init = [f"(atLocation {AGENT} {mangle(START_LOCATION)})"]
    init += _receptacle_facts(scene) + _object_facts(scene)
    return (
        f"(define (problem {name})\n    (:domain alfred)\n    (:objects{indent}"
        + indent.join(_declarations(scene))
        + f"\n    )\n    (:init{indent}"
        + indent.join(init)
        + "\n    )\n"
        + goal
        + "\n"
    )
