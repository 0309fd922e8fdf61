"""Trajectories gathered from ranks, put back together by group identity (`gather_groups`),
and the inverse of strided sharding for items without identity (`interleave`). Needs only
the core's types."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from agentrl.core.types import GroupKey, Trajectory, group_members

T = TypeVar("T")


def interleave(parts: Sequence[Sequence[T]], unit: int) -> list[T]:
    """Undo strided sharding: ``parts[r]`` holds units r, r + N, r + 2N, … (``unit`` items
    each); return the units in their original order. For items that have no identity of
    their own (`map_sharded`'s results); trajectories go by group: `gather_groups`."""
    world = len(parts)
    units = sum(len(p) for p in parts) // max(1, unit)
    ordered: list[T] = []
    for index in range(units):
        start = (index // world) * unit
        ordered += parts[index % world][start : start + unit]
    return ordered


def gather_groups(parts: Sequence[Sequence[Trajectory]],
                  keys: Sequence[GroupKey]) -> list[Trajectory]:
    """The ranks' trajectories as one batch in the order of ``keys`` (the batch's groups),
    each group's members together: grouped by identity, whatever rank or position each
    came from. A group of ``keys`` with no member, or a member of no group of ``keys``, is
    an error naming it."""
    ids = [key.group_id for key in keys]
    groups = group_members((t for part in parts for t in part), ids)
    missing = [group_id for group_id in ids if not groups[group_id]]
    stray = sorted(set(groups) - set(ids))
    if missing or stray:
        raise ValueError(f"gather_groups: groups without members {missing}, trajectories of "
                         f"groups not in the batch {stray}")
    return [t for group in groups.values() for t in group]
