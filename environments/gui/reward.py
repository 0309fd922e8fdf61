"""GUI grounding rewards: GUI-G1, GUI-G2 and the click metric, pure functions of an answer.

Every box and point is in the space the model writes coordinates in (the env's smart-resized
screenshot's pixels, or 0-1000 when the model answers normalised); ``width`` / ``height``
are that space's size. Each reward computes what its authors' code computes, its quirks
included, pinned by golden values from running that code (tests/environments/gui/golden/);
each deviation is a named option, never the default (docs/methods/gui-rewards.md).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from agentrl.environments.gui.coords import centre

Box = Sequence[float]
IOU_WEIGHT = 0.25  # GUI-G1 grpo_rec.py: iou_reward adds 0.25 IoU
BOX_WEIGHT = 0.125  # GUI-G1 grpo_rec.py: box_reward adds 0.125 x the harmonic mean
GAUSSIAN_ALPHA = 0.5  # GUI-G2: sigma = 0.5 x box side
GAUSSIAN_EPS = 1e-8  # GUI-G2: eps I added to the mean covariance, eps inside the square root
G2_DECIMALS = 3  # GUI-G2 rounds the point and coverage rewards to 3 decimals
DEGENERATE = ("paper", "zero")


def inside(x: float, y: float, box: Box) -> bool:
    """True when (x, y) lies in ``box``, edges included (ScreenSpot's hit test)."""
    x1, y1, x2, y2 = box
    return x1 <= x <= x2 and y1 <= y <= y2


def _or_zero(term: Callable[[], float]) -> float:
    """``term()``, or 0 when it fails: GUI-G1 wraps each reward in ``except Exception``."""
    try:
        return term()
    except Exception:  # the paper's code scores any failure (a bad type, 1/0) as 0
        return 0.0


def g1_hit(bbox: Any, target: Box) -> float:
    """GUI-G1's ``hit_reward``: 1 when the centre of ``bbox`` lies in ``target`` (edges in).

    ``bbox`` is whatever the reply's ``bbox_2d`` held: its items 0-3 are read, so a box of
    five numbers or of booleans scores as Python computes it; anything else scores 0.
    """
    def term() -> float:
        x, y = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
        return 1.0 if inside(x, y, target) else 0.0
    return _or_zero(term)


def g1_iou(bbox: Any, target: Box) -> float:
    """GUI-G1's ``iou_reward``: 0.25 x its IoU (GUI-G1 paper, Sec. 4.2, the IoU reward).

    Its IoU is not VLM-R1's inclusive-pixel one: the overlap runs from the larger near edge
    to the smaller far edge minus one pixel, and counts (+1 on each side) only when that
    span is positive in both directions, so an overlap of 1 px or less in either direction
    is 0; the union uses the boxes' plain areas (x2 - x1)(y2 - y1). A zero union scores 0;
    a reversed box can make the IoU negative.
    """
    def term() -> float:
        near_x, near_y = max(bbox[0], target[0]), max(bbox[1], target[1])
        far_x, far_y = min(bbox[2] - 1, target[2] - 1), min(bbox[3] - 1, target[3] - 1)
        overlap = 0
        if near_x < far_x and near_y < far_y:
            overlap = (far_x - near_x + 1) * (far_y - near_y + 1)
        union = ((bbox[2] - bbox[0]) * (bbox[3] - bbox[1])
                 + (target[2] - target[0]) * (target[3] - target[1]) - overlap)
        return IOU_WEIGHT * (float(overlap) / union)
    return _or_zero(term)


def g1_box(bbox: Any, target: Box, width: float, height: float) -> float:
    """GUI-G1's ``box_reward``: 0.125 x the harmonic mean of the four edge closenesses.

    x1' = 1 - |t_x1 - p_x1| / W, y1' = 1 - |t_y1 - p_y1| / H, and so for x2', y2';
    score = 4 / (1/x1' + 1/x2' + 1/y1' + 1/y2'). Not clamped: an edge off by more than the
    image makes a closeness negative and the score can be negative, or above a perfect
    box's; a closeness (or the sum) of exactly 0 divides by zero and scores 0.
    """
    def term() -> float:
        cx1 = 1 - abs(target[0] - bbox[0]) / width
        cy1 = 1 - abs(target[1] - bbox[1]) / height
        cx2 = 1 - abs(target[2] - bbox[2]) / width
        cy2 = 1 - abs(target[3] - bbox[3]) / height
        return BOX_WEIGHT * (4 / (1 / cx1 + 1 / cx2 + 1 / cy1 + 1 / cy2))
    return _or_zero(term)


def gui_g1_reward(bbox: Any, target: Box, width: float, height: float) -> dict[str, float]:
    """GUI-G1 (Zhou et al. 2025, ``grpo_rec.py``): R = hit + 0.25 IoU + 0.125 box.

    The components are the three reward functions' values as GUI-G1's trainer sums them
    (``iou`` and ``box`` already weighted): `g1_hit`, `g1_iou`, `g1_box`. ``bbox``: the
    reply's ``bbox_2d`` (`parse_bbox_json`), None for a parse failure (all three 0).
    """
    if bbox is None:
        return {"total": 0.0, "hit": 0.0, "iou": 0.0, "box": 0.0}
    hit, iou, box = g1_hit(bbox, target), g1_iou(bbox, target), g1_box(bbox, target, width, height)
    return {"total": hit + iou + box, "hit": hit, "iou": iou, "box": box}


def gaussian_point_reward(pred: Box, target: Box) -> float:
    """GUI-G2 (Tang et al. 2025, Sec. 3.2, Eq. 4; ``gaussian_point_reward``) point reward.

    exp(-1/2 ((p_cx - c_x)^2 / s_x^2 + (p_cy - c_y)^2 / s_y^2)) with the predicted box's
    centre p, the target's centre c and s = 0.5 x the target's width / height, rounded to 3
    decimals; 0 when that fails (a degenerate target divides by zero).
    """
    def term() -> float:
        pcx, pcy = centre(pred)
        cx, cy = centre(target)
        sx = GAUSSIAN_ALPHA * (target[2] - target[0])
        sy = GAUSSIAN_ALPHA * (target[3] - target[1])
        exponent = -0.5 * ((pcx - cx) ** 2 / sx**2 + (pcy - cy) ** 2 / sy**2)
        return round(math.exp(exponent), G2_DECIMALS)
    return _or_zero(term)


def _covariance(box: Box) -> np.ndarray:
    # the variances are Python floats first, as in GUI-G2 (an overflow there scores 0)
    vx, vy = (GAUSSIAN_ALPHA * (box[2] - box[0])) ** 2, (GAUSSIAN_ALPHA * (box[3] - box[1])) ** 2
    return np.array([[vx, 0.0], [0.0, vy]])


def bhattacharyya_distance(pred: Box, target: Box) -> float:
    """D_B between the boxes' Gaussians N(centre, diag((0.5 w)^2, (0.5 h)^2)) as GUI-G2's
    ``gaussian_plane_reward`` computes it (Sec. 3.2, Eq. 6).

    D_B = 1/8 dmu^T (S + eps I)^-1 dmu + 1/2 ln(det S / sqrt(det S_p det S_gt + eps)),
    S = (S_p + S_gt) / 2, eps = 1e-8, in numpy (overflows give inf or nan, not errors).
    With eps inside the root a zero-area box still has a finite distance; two boxes both
    flat along the same axis give det S = 0 and D_B = -inf.
    """
    cov_p, cov_g = _covariance(pred), _covariance(target)
    mean_cov = (cov_p + cov_g) / 2
    dmu = np.array(centre(pred)) - np.array(centre(target))
    with np.errstate(all="ignore"):
        inverse = np.linalg.inv(mean_cov + GAUSSIAN_EPS * np.eye(2))
        mahalanobis = (1 / 8) * np.dot(dmu.T, np.dot(inverse, dmu))
        dets = np.linalg.det(mean_cov), np.linalg.det(cov_p), np.linalg.det(cov_g)
        log_term = 0.5 * np.log(dets[0] / np.sqrt(dets[1] * dets[2] + GAUSSIAN_EPS))
        return float(mahalanobis + log_term)


def gaussian_coverage_reward(pred: Box, target: Box, degenerate: str = "paper") -> float:
    """GUI-G2's coverage (plane) reward exp(-D_B) (`bhattacharyya_distance`), rounded to 3
    decimals as numpy rounds (x 1000, round half to even, / 1000).

    ``degenerate="paper"``: as GUI-G2, a zero-area box gets a small positive coverage and
    two boxes flat along the same axis get +inf. ``"zero"`` (a deviation): coverage 0 when
    either box has zero width or height.
    """
    if degenerate not in DEGENERATE:
        raise ValueError(f"degenerate={degenerate!r}; use one of {DEGENERATE}")
    if degenerate == "zero" and (pred[2] == pred[0] or pred[3] == pred[1]
                                 or target[2] == target[0] or target[3] == target[1]):
        return 0.0
    try:
        distance = bhattacharyya_distance(pred, target)
    except Exception:  # GUI-G2 wraps the reward in except Exception: 0
        return 0.0
    with np.errstate(all="ignore"):
        return float(np.round(np.exp(-np.float64(distance)), G2_DECIMALS))


def gui_g2_reward(pred: Box | None, target: Box, format_ok: bool,
                  degenerate: str = "paper") -> dict[str, float]:
    """GUI-G2: point + coverage + format, its three reward functions summed with weight 1.

    ``pred``: the first ``[x1, y1, x2, y2]`` of the reply (`parse_bbox_list`), None when
    there is none (point and coverage 0); ``format_ok``: the reply is exactly a list of four
    non-negative integers. Each term is computed on its own, as GUI-G2's trainer does.
    """
    point = gaussian_point_reward(pred, target) if pred is not None else 0.0
    coverage = gaussian_coverage_reward(pred, target, degenerate) if pred is not None else 0.0
    fmt = float(format_ok)
    return {"total": point + coverage + fmt, "point": point, "coverage": coverage, "format": fmt}


def click_reward(point: Sequence[float] | None, target: Box) -> dict[str, float]:
    """ScreenSpot's metric and UI-R1's coordinate reward: 1 when the point is in the box."""
    hit = float(point is not None and inside(point[0], point[1], target))
    return {"total": hit, "hit": hit}


GROUNDING_REWARDS: dict[str, Callable[..., dict[str, float]]] = {
    "gui-g1": gui_g1_reward,
    "gui-g2": gui_g2_reward,
    "click": click_reward,
}
"""The grounding env's rewards by name."""
