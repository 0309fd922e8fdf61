"""GUI-Cursor's rewards (Zhao et al. 2025, arXiv 2509.21552, Sec. 3.3), pure functions of an
episode: what its code (``cursor/rl/reward_funcs.py``, ``cursor/utils/image.py``) computes.

Positions and the target box are the model's image pixels (the cursor env's integer box,
``int(proportion x side)`` as GUI-Cursor's ``bbox_coords_from_proportions``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from agentrl.environments.gui.answers import cursor_format_ok
from agentrl.environments.gui.reward import inside

Box = Sequence[float]
Point = tuple[float, float]
METHODS = ("traj", "distance_success_format_step", "discrete_success")
DISTANCES = ("linear", "power")
FORMATS = ("think", "answer", "uitars")


@dataclass(frozen=True)
class CursorRewardOptions:
    """GUI-Cursor's ``calculate_rewards`` options, its defaults (``default_config.yaml``).

    ``method``: ``"traj"`` (0.9 trajectory + 0.1 format), ``"distance_success_format_step"``
    (0.3 distance + 0.5 success + 0.1 format + 0.1 steps) or ``"discrete_success"``
    (0.9 in-box + 0.1 format). ``distance``: ``"linear"`` (1 - d) or ``"power"`` (1 - d^0.5).
    ``format``: ``"think"``, ``"answer"`` (no think block) or ``"uitars"``.
    """

    method: str = "traj"
    distance: str = "linear"
    format: str = "think"
    traj_weight: float = 0.9
    format_weight: float = 0.1
    distance_weight: float = 0.3
    success_weight: float = 0.5
    steps_weight: float = 0.1
    centre_weight: float = 0.1
    false_stop_penalty: float = -0.5
    false_move_penalty: float = -0.2
    correct_move_bonus: float = 0.1
    repeated_position_penalty: float = -0.2
    reached_but_no_stop_penalty: float = -0.1

    def __post_init__(self) -> None:
        for name, allowed in (("method", METHODS), ("distance", DISTANCES), ("format", FORMATS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"reward_options.{name}={getattr(self, name)!r}; "
                                 f"use one of {allowed}")


@dataclass
class CursorEpisode:
    """What GUI-Cursor's reward reads of an episode.

    ``positions``: the cursor's positions, the start first, one per parsed action (a STOP
    repeats the last one, as the original's ``position_history``; an unparseable reply adds
    none); ``stop_reason``: ``"stop"``, ``"max_steps"`` or ``"parse_failed"``; ``replies``:
    every assistant reply, the unparseable one included; ``max_steps``: the env's.
    """

    positions: list[Point]
    stop_reason: str
    replies: list[str] = field(default_factory=list)
    max_steps: int = 3


def distance_to_box(point: Point, box: Box, width: float, height: float) -> float:
    """Distance from ``point`` to ``box`` (0 inside) in the image scaled to 1 x 1, the box's
    corners put in order first (``cal_normalized_distances_to_bbox``)."""
    nx, ny = point[0] / width, point[1] / height
    x1, x2 = sorted((box[0] / width, box[2] / width))
    y1, y2 = sorted((box[1] / height, box[3] / height))
    return math.sqrt((nx - max(x1, min(nx, x2))) ** 2 + (ny - max(y1, min(ny, y2))) ** 2)


def centre_ratio(point: Point, box: Box, width: float, height: float) -> float:
    """Distance to the box centre over the centre-to-corner distance, in the 1 x 1 image
    (``get_distance_ratio_to_center``); 0 for a box of one point."""
    x1, x2 = sorted((box[0] / width, box[2] / width))
    y1, y2 = sorted((box[1] / height, box[3] / height))
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    to_corner = math.sqrt((x1 - cx) ** 2 + (y1 - cy) ** 2)
    to_point = math.sqrt((point[0] / width - cx) ** 2 + (point[1] / height - cy) ** 2)
    return to_point / to_corner if to_corner != 0 else 0


def centre_score(point: Point, box: Box, width: float, height: float) -> float:
    """1 - ratio^5 inside the box (`centre_ratio`), 0 outside."""
    if not inside(point[0], point[1], box):
        return 0.0
    return 1 - centre_ratio(point, box, width, height) ** 5


def distance_score(point: Point, box: Box, width: float, height: float, kind: str) -> float:
    """``linear_distance_score`` 1 - d or ``powerfunc_distance_score`` 1 - d^0.5."""
    d = distance_to_box(point, box, width, height)
    return 1.0 - d if kind == "linear" else 1.0 - d**0.5


def format_score(replies: Sequence[str], style: str) -> float:
    """The fraction of replies in the format; the last may STOP (`cursor_format_ok`)."""
    if not replies:
        return 0.0
    flags = [cursor_format_ok(r, last=i == len(replies) - 1, style=style)
             for i, r in enumerate(replies)]
    return sum(1.0 if ok else 0.0 for ok in flags) / len(flags)


def _stop_outside(episode: CursorEpisode, box: Box, size: Point, opts: CursorRewardOptions,
                  flags: dict[str, float]) -> float:
    closeness = distance_score(episode.positions[-1], box, *size, opts.distance)
    moves = episode.positions[1:-1]  # neither the start nor the STOP
    flags["repeated_position"] = float(len(set(moves)) < len(moves))
    flags["false_stop"] = 1.0
    if len(moves) < 2:
        return opts.false_stop_penalty + closeness
    if _moved_closer(moves, box, size):
        return opts.false_stop_penalty + closeness + opts.correct_move_bonus
    flags["false_direction"] = 1.0
    return opts.false_stop_penalty + closeness + opts.false_move_penalty


def _moved_closer(moves: Sequence[Point], box: Box, size: Point) -> bool:
    return distance_to_box(moves[-1], box, *size) < distance_to_box(moves[0], box, *size)


def trajectory_score(episode: CursorEpisode, box: Box, width: float, height: float,
                     opts: CursorRewardOptions = CursorRewardOptions(),
                     ) -> tuple[float, dict[str, float]]:
    """GUI-Cursor's ``get_traj_reward`` and its penalty flags.

    Parse failure: 0. STOP inside: 1 + 0.1 (1 - ratio^5). STOP outside: -0.5 + distance
    score, and with >= 2 moves +0.1 when the last move is closer to the box than the first,
    else -0.2. Max steps: distance score + 0.1 centre score, -0.1 when an earlier position
    was inside, -0.2 for a repeated position, -0.2 when the last move is not closer than the
    first. (A one-step env never comes here: see `cursor_reward`.)
    """
    flags = dict.fromkeys(("false_stop", "false_direction", "repeated_position",
                           "false_move"), 0.0)
    size = (width, height)
    last = episode.positions[-1]
    if episode.stop_reason == "parse_failed":
        return 0.0, flags
    if episode.stop_reason == "stop":
        if inside(last[0], last[1], box):
            return 1.0 + opts.centre_weight * centre_score(last, box, width, height), flags
        return _stop_outside(episode, box, size, opts, flags), flags
    score = (distance_score(last, box, width, height, opts.distance)
             + opts.centre_weight * centre_score(last, box, width, height))
    penalty = 0.0
    if any(inside(x, y, box) for x, y in episode.positions[:-1]):
        flags["false_move"] = 1.0
        penalty += opts.reached_but_no_stop_penalty
    moves = episode.positions[1:]
    if len(set(moves)) < len(moves):
        flags["repeated_position"] = 1.0
        penalty += opts.repeated_position_penalty
    if not _moved_closer(moves, box, size):
        flags["false_direction"] = 1.0
        penalty += opts.false_move_penalty
    return score + penalty, flags


def _logged(episode: CursorEpisode, box: Box, width: float, height: float) -> dict[str, float]:
    """The values GUI-Cursor logs beside its reward (distance, steps, success, in-box)."""
    last = episode.positions[-1]
    in_box = inside(last[0], last[1], box)
    stopped = episode.stop_reason == "stop"
    distance = 1.0 if in_box else (0.0 if episode.stop_reason == "parse_failed"
                                   else distance_score(last, box, width, height, "linear"))
    return {"distance": distance,
            "steps": 1 / (len(episode.positions) - 1) if stopped else 0.0,
            "num_steps": float(len(episode.positions) - (1 if stopped else 0)),
            "success": float(stopped and in_box), "in_bbox": float(in_box)}


def cursor_reward(episode: CursorEpisode, box: Box, width: float, height: float,
                  opts: CursorRewardOptions = CursorRewardOptions()) -> dict[str, float]:
    """GUI-Cursor's ``calculate_rewards`` for one episode; ``total`` is its ``overall``.

    ``traj``: 0.9 trajectory + 0.1 format, the trajectory being `trajectory_score`, or with
    ``max_steps == 1`` the distance score of the final position, checked before the parse
    (a one-step episode whose reply did not parse scores the start's distance).
    ``distance_success_format_step``: 0.3 distance (1 inside, 0 on a parse failure) + 0.5
    success (STOP inside) + 0.1 think-format + 0.1 / moves on a STOP. ``discrete_success``:
    0.9 in-box + 0.1 format (think or answer style).
    """
    logged = _logged(episode, box, width, height)
    last = episode.positions[-1]
    if opts.method == "traj":
        flags: dict[str, float] = {}
        if episode.max_steps == 1:
            traj = distance_score(last, box, width, height, opts.distance)
        else:
            traj, flags = trajectory_score(episode, box, width, height, opts)
        fmt = format_score(episode.replies, opts.format)
        total = opts.traj_weight * traj + opts.format_weight * fmt
        return {"total": total, "format": fmt, **logged, "traj": traj, **flags}
    if opts.method == "distance_success_format_step":
        fmt = format_score(episode.replies, "think")  # this method always asks for think
        in_box = logged["in_bbox"] == 1.0
        distance = 1.0 if in_box else (0.0 if episode.stop_reason == "parse_failed" else
                                       distance_score(last, box, width, height, opts.distance))
        total = (opts.distance_weight * distance + opts.success_weight * logged["success"]
                 + opts.format_weight * fmt + opts.steps_weight * logged["steps"])
        return {"total": total, "format": fmt, "distance": distance,
                "steps": logged["steps"], "success": logged["success"]}
    fmt = format_score(episode.replies, "answer" if opts.format == "answer" else "think")
    total = (1.0 - opts.format_weight) * logged["in_bbox"] + opts.format_weight * fmt
    return {"total": total, "format": fmt, **logged}

