"""ALFWorld rewards as pure functions of the engine's facts.

Outcome (every ALFWorld paper: GiGPO, SPA-RL, EPO): 1 when the PDDL goal holds at the end,
else 0. Shaping (optional, for methods that want dense signal): the task's milestones,
in the order ALFRED's expert plans reach them (hold the object, change its state, place
it), scored by the furthest milestone reached so far; the immediate reward of a step is
the growth of that best-so-far fraction, so undoing and redoing a milestone earns nothing
and the shaping sums to at most ``weight`` per episode.
"""

from __future__ import annotations

from collections.abc import Iterable

Fact = tuple[str, ...]  # ("inreceptacle", "mug 1", "fridge 1"), names as the agent reads them

STATE_PREDICATE = {
    "pick_clean_then_place_in_recep": "isclean",
    "pick_heat_then_place_in_recep": "ishot",
    "pick_cool_then_place_in_recep": "iscool",
}


# Predicates no ALFWorld action changes: read once per episode, not at every step.
STATIC_PREDICATES = frozenset(
    {"objecttype", "receptacletype", "receptacleatlocation", "openable", "cancontain"}
    | {"pickupable", "cleanable", "heatable", "coolable", "sliceable", "toggleable"}
    | {"isreceptacleobject"}
)


def fact_tuples(
    propositions: Iterable[object], skip: frozenset[str] = frozenset()
) -> frozenset[Fact]:
    """TextWorld ``Proposition``s -> hashable tuples of predicate and stripped names.

    Propositions whose predicate is in ``skip`` are left out.
    """
    return frozenset(
        (p.name, *(v.name.strip() for v in p.arguments))  # type: ignore[attr-defined]
        for p in propositions
        if p.name not in skip  # type: ignore[attr-defined]
    )


def outcome_reward(won: bool) -> float:
    """ALFWorld's episode reward: 1.0 for a reached goal, else 0.0."""
    return 1.0 if won else 0.0


def milestones(
    task_type: str, params: dict[str, str], facts: frozenset[Fact], won: bool
) -> list[bool]:
    """Which of the task's milestones hold in ``facts`` (the last one is the goal itself)."""
    obj_type = params["object_target"].lower() + "type"
    parent_type = (params.get("parent_target") or "").lower() + "type"
    targets = {f[1] for f in facts if f[0] == "objecttype" and f[2] == obj_type}
    parents = {f[1] for f in facts if f[0] == "receptacletype" and f[2] == parent_type}
    held = {f[2] for f in facts if f[0] == "holds"} & targets
    placed = {f[1] for f in facts if f[0] == "inreceptacle" and f[2] in parents} & targets
    if task_type in STATE_PREDICATE:
        changed = {f[1] for f in facts if f[0] == STATE_PREDICATE[task_type]} & targets
        return [bool(held), bool(held & changed), bool(placed & changed) or won]
    if task_type == "pick_two_obj_and_place":
        return [bool(held), bool(placed), bool(placed and held - placed), len(placed) >= 2 or won]
    return [bool(held), won or (task_type == "pick_and_place_simple" and bool(placed))]


def progress(flags: list[bool]) -> float:
    """Fraction of milestones up to the furthest one that holds (0.0 .. 1.0)."""
    furthest = max((i + 1 for i, flag in enumerate(flags) if flag), default=0)
    return furthest / len(flags)


def shaping_reward(best_before: float, now: float, weight: float) -> float:
    """Immediate shaping reward: ``weight`` times the growth of the best progress so far."""
    return weight * max(0.0, now - best_before)
