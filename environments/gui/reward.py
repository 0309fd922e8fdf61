"""GUI grounding rewards, each a pure function of the prediction and the target box.

Every box and point is in the pixel space of the image the model received (the env's
smart-resized screenshot); ``width`` / ``height`` are that image's size. Definitions follow
the authors' code as summarised in the project's ``gui.md``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from agentrl.environments.gui.coords import centre

Box = Sequence[float]
IOU_WEIGHT = 0.25  # GUI-G1
BOX_WEIGHT = 0.125  # GUI-G1
GAUSSIAN_ALPHA = 0.5  # GUI-G2: sigma = 0.5 * box side
GAUSSIAN_EPS = 1e-8  # GUI-G2 adds eps * I to the mean covariance before inverting


def inside(x: float, y: float, box: Box) -> bool:
    """True when (x, y) lies in ``box``, edges included (ScreenSpot's hit test)."""
    x1, y1, x2, y2 = box
    return x1 <= x <= x2 and y1 <= y <= y2


def iou_inclusive(a: Box, b: Box) -> float:
    """IoU of two pixel boxes with the inclusive-pixel convention (+1 on each side).

    As GUI-G1's (and VLM-R1's) ``iou``: the intersection counts only when it is not empty
    (x1 < x2 and y1 < y2), each area is (x2 - x1 + 1)(y2 - y1 + 1).
    """
    ix1, iy1 = max(a[0], b[0]), max(a[1], b[1])
    ix2, iy2 = min(a[2], b[2]), min(a[3], b[3])
    inter = (ix2 - ix1 + 1) * (iy2 - iy1 + 1) if ix1 < ix2 and iy1 < iy2 else 0.0
    area_a = (a[2] - a[0] + 1) * (a[3] - a[1] + 1)
    area_b = (b[2] - b[0] + 1) * (b[3] - b[1] + 1)
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def box_edge_score(pred: Box, target: Box, width: float, height: float) -> float:
    """GUI-G1's box term: the harmonic mean of the four edge scores.

    x1' = 1 - |dx1| / W, y1' = 1 - |dy1| / H, x2' = 1 - |dx2| / W, y2' = 1 - |dy2| / H;
    score = 4 / (1/x1' + 1/y1' + 1/x2' + 1/y2'). An edge score <= 0 (an edge off by the
    whole image) makes the harmonic mean's limit, 0.
    """
    sizes = (width, height, width, height)
    scores = [1 - abs(p - t) / s for p, t, s in zip(pred, target, sizes, strict=True)]
    if min(scores) <= 0:
        return 0.0
    return 4 / sum(1 / s for s in scores)


def gui_g1_reward(pred: Box | None, target: Box, width: float, height: float) -> dict[str, float]:
    """GUI-G1 (Zhou et al. 2025, ``grpo_rec.py``): R = hit + 0.25 IoU + 0.125 box.

    hit = 1 when the predicted box's centre is inside the target (inclusive); IoU with the
    +1 convention; box = `box_edge_score`. ``pred`` None (parse failure) gives 0.
    """
    if pred is None:
        return {"total": 0.0, "hit": 0.0, "iou": 0.0, "box": 0.0}
    hit = float(inside(*centre(pred), target))
    iou = iou_inclusive(pred, target)
    box = box_edge_score(pred, target, width, height)
    return {"total": hit + IOU_WEIGHT * iou + BOX_WEIGHT * box, "hit": hit, "iou": iou, "box": box}


def gaussian_point_reward(pred: Box, target: Box) -> float:
    """GUI-G2 (Tang et al. 2025, ``gaussian_grpo.py``) point reward.

    exp(-1/2 ((p_cx - c_x)^2 / s_x^2 + (p_cy - c_y)^2 / s_y^2)) with the predicted box's
    centre p, the target's centre c and s = 0.5 x the target's width / height; 0 for a
    degenerate target.
    """
    pcx, pcy = centre(pred)
    cx, cy = centre(target)
    sx = GAUSSIAN_ALPHA * (target[2] - target[0])
    sy = GAUSSIAN_ALPHA * (target[3] - target[1])
    if sx <= 0 or sy <= 0:
        return 0.0
    return math.exp(-0.5 * ((pcx - cx) ** 2 / sx**2 + (pcy - cy) ** 2 / sy**2))


def bhattacharyya_distance(pred: Box, target: Box) -> float:
    """D_B between the boxes' Gaussians N(centre, diag((0.5 w)^2, (0.5 h)^2)) (GUI-G2).

    D_B = 1/8 dmu^T S^-1 dmu + 1/2 ln(det S / sqrt(det S_p det S_gt)), S = (S_p + S_gt) / 2,
    with GUI-G2's eps added to S's diagonal before inverting.
    """
    def variances(box: Box) -> tuple[float, float]:
        return ((GAUSSIAN_ALPHA * (box[2] - box[0])) ** 2,
                (GAUSSIAN_ALPHA * (box[3] - box[1])) ** 2)

    vpx, vpy = variances(pred)
    vgx, vgy = variances(target)
    sx, sy = (vpx + vgx) / 2, (vpy + vgy) / 2
    (pcx, pcy), (cx, cy) = centre(pred), centre(target)
    mahalanobis = (pcx - cx) ** 2 / (sx + GAUSSIAN_EPS) + (pcy - cy) ** 2 / (sy + GAUSSIAN_EPS)
    det_avg, det_p, det_g = sx * sy, vpx * vpy, vgx * vgy
    if det_p <= 0 or det_g <= 0:
        return math.inf
    return mahalanobis / 8 + 0.5 * math.log(det_avg / math.sqrt(det_p * det_g))


def gaussian_coverage_reward(pred: Box, target: Box) -> float:
    """GUI-G2 coverage reward exp(-D_B) (`bhattacharyya_distance`); 0 for an empty box."""
    return math.exp(-bhattacharyya_distance(pred, target))


def gui_g2_reward(pred: Box | None, target: Box, format_ok: bool) -> dict[str, float]:
    """GUI-G2: point + coverage + format, the three reward functions summed with weight 1.

    format = 1 when the reply is exactly ``[x1,y1,x2,y2]``; ``pred`` None gives 0 overall.
    """
    if pred is None:
        return {"total": 0.0, "point": 0.0, "coverage": 0.0, "format": 0.0}
    point = gaussian_point_reward(pred, target)
    coverage = gaussian_coverage_reward(pred, target)
    fmt = float(format_ok)
    return {"total": point + coverage + fmt, "point": point, "coverage": coverage, "format": fmt}


def click_reward(point: Sequence[float] | None, target: Box) -> dict[str, float]:
    """ScreenSpot's metric and UI-R1's coordinate reward: 1 when the point is in the box."""
    hit = float(point is not None and inside(point[0], point[1], target))
    return {"total": hit, "hit": hit}


# --- GUI-Cursor --------------------------------------------------------------------------


@dataclass(frozen=True)
class CursorRewardOptions:
    """GUI-Cursor's ``calculate_rewards`` defaults (``cursor/rl/reward_funcs.py``)."""

    traj_weight: float = 0.9
    format_weight: float = 0.1
    centre_weight: float = 0.1
    false_stop_penalty: float = -0.5
    false_move_penalty: float = -0.2
    correct_move_bonus: float = 0.1
    repeated_position_penalty: float = -0.2
    reached_but_no_stop_penalty: float = -0.1


def normalised_distance_to_box(x: float, y: float, box: Box, width: float, height: float) -> float:
    """Distance from (x, y) to ``box`` (0 inside) with the image scaled to 1 x 1."""
    nx, ny = x / width, y / height
    x1, y1, x2, y2 = box[0] / width, box[1] / height, box[2] / width, box[3] / height
    return math.hypot(nx - max(x1, min(nx, x2)), ny - max(y1, min(ny, y2)))


def centre_ratio(x: float, y: float, box: Box, width: float, height: float) -> float:
    """Distance to the box centre over the centre-to-corner distance, in the 1 x 1 image."""
    cx, cy = centre(box)
    to_corner = math.hypot((box[0] - cx) / width, (box[1] - cy) / height)
    to_point = math.hypot((x - cx) / width, (y - cy) / height)
    return to_point / to_corner if to_corner else 0.0


def centre_score(x: float, y: float, box: Box, width: float, height: float) -> float:
    """1 - ratio^5 inside the box (`centre_ratio`), 0 outside."""
    if not inside(x, y, box):
        return 0.0
    return 1 - centre_ratio(x, y, box, width, height) ** 5


@dataclass
class CursorEpisode:
    """What GUI-Cursor's reward reads of an episode.

    ``positions``: the cursor's positions, the start first, one per move (a STOP repeats
    the last one, as the original's ``position_history``); ``stop_reason``: ``"stop"``,
    ``"max_steps"`` or ``"parse_failed"``; ``format_ok``: one flag per assistant turn.
    """

    positions: list[tuple[float, float]]
    stop_reason: str
    format_ok: list[bool] = field(default_factory=list)
    max_steps: int = 3


def cursor_trajectory_score(
    episode: CursorEpisode, box: Box, width: float, height: float,
    options: CursorRewardOptions = CursorRewardOptions(),
) -> float:
    """GUI-Cursor's ``get_traj_reward`` (Zhao et al. 2025, arXiv 2509.21552).

    STOP inside: 1 + 0.1 (1 - ratio^5). STOP outside: -0.5 + (1 - d), and with >= 2 moves
    +0.1 when the last move is closer to the box than the first, else -0.2. Max steps:
    (1 - d) + 0.1 centre score, -0.1 when an earlier position was inside, -0.2 for a
    repeated position, -0.2 when the last move is not closer than the first. A parse
    failure scores 0; with ``max_steps == 1`` the score is 1 - d.
    """
    x, y = episode.positions[-1]

    def closeness(px: float, py: float) -> float:
        return 1 - normalised_distance_to_box(px, py, box, width, height)

    if episode.stop_reason == "parse_failed":
        return 0.0
    if episode.max_steps == 1:
        return closeness(x, y)
    if episode.stop_reason == "stop":
        if inside(x, y, box):
            return 1 + options.centre_weight * centre_score(x, y, box, width, height)
        moves = episode.positions[1:-1]
        score = options.false_stop_penalty + closeness(x, y)
        if len(moves) < 2:
            return score
        if closeness(*moves[-1]) > closeness(*moves[0]):
            return score + options.correct_move_bonus
        return score + options.false_move_penalty
    score = closeness(x, y) + options.centre_weight * centre_score(x, y, box, width, height)
    if any(inside(px, py, box) for px, py in episode.positions[:-1]):
        score += options.reached_but_no_stop_penalty
    moves = episode.positions[1:]
    if len(set(moves)) < len(moves):
        score += options.repeated_position_penalty
    if not closeness(*moves[-1]) > closeness(*moves[0]):
        score += options.false_move_penalty
    return score


def cursor_reward(
    episode: CursorEpisode, box: Box, width: float, height: float,
    options: CursorRewardOptions = CursorRewardOptions(),
) -> dict[str, float]:
    """GUI-Cursor's overall reward: 0.9 trajectory + 0.1 format.

    format = the fraction of assistant turns in the format (`cursor_format_ok`).
    """
    trajectory = cursor_trajectory_score(episode, box, width, height, options)
    fmt = sum(episode.format_ok) / len(episode.format_ok) if episode.format_ok else 0.0
    x, y = episode.positions[-1]
    return {
        "total": options.traj_weight * trajectory + options.format_weight * fmt,
        "trajectory": trajectory,
        "format": fmt,
        "in_box": float(inside(x, y, box)),
    }


GROUNDING_REWARDS: dict[str, Callable[..., dict[str, float]]] = {
    "gui-g1": gui_g1_reward,
    "gui-g2": gui_g2_reward,
    "click": click_reward,
}
