"""Accessibility-text mode: the screen's visible nodes as text, for text-only models."""

from __future__ import annotations

from typing import Any


def a11y_text(nodes: list[dict[str, Any]], width: int, height: int) -> str:
    """One line per node: ``[id] role "name" (x1, y1, x2, y2)``, boxes in pixels."""
    lines = [f"Accessibility tree of the screen ({width}x{height} pixels; "
             "boxes are x1, y1, x2, y2):"]
    for index, node in enumerate(nodes):
        x1, y1, x2, y2 = (round(v) for v in node["box"])
        name = node["name"].replace('"', "'").replace("\n", " ")
        lines.append(f'[{index}] {node["role"]} "{name}" ({x1}, {y1}, {x2}, {y2})')
    return "\n".join(lines)


def node_at(nodes: list[dict[str, Any]], x: float, y: float) -> int | None:
    """The id of the smallest node whose box holds (x, y), or None."""
    hits = [(abs((n["box"][2] - n["box"][0]) * (n["box"][3] - n["box"][1])), i)
            for i, n in enumerate(nodes)
            if n["box"][0] <= x <= n["box"][2] and n["box"][1] <= y <= n["box"][3]]
    return min(hits)[1] if hits else None
