"""GUI-G1, GUI-G2, click and GUI-Cursor rewards against hand-computed values."""

import math

import pytest

from agentrl.environments.gui.reward import (
    CursorEpisode,
    bhattacharyya_distance,
    box_edge_score,
    click_reward,
    cursor_reward,
    cursor_trajectory_score,
    gaussian_coverage_reward,
    gaussian_point_reward,
    gui_g1_reward,
    gui_g2_reward,
    iou_inclusive,
)


def test_gui_g1_hit_iou_and_box_terms():
    target, pred = (10, 10, 29, 29), (15, 15, 34, 34)
    # inclusive areas 20 x 20 = 400 each, intersection 15 x 15 = 225, union 575
    assert iou_inclusive(pred, target) == pytest.approx(225 / 575)
    # every edge off by 5 of 100: each edge score 0.95, harmonic mean 0.95
    assert box_edge_score(pred, target, 100, 100) == pytest.approx(0.95)
    reward = gui_g1_reward(pred, target, 100, 100)
    assert reward["hit"] == 1.0  # centre (24.5, 24.5) inside
    assert reward["total"] == pytest.approx(1 + 0.25 * 225 / 575 + 0.125 * 0.95)


def test_gui_g1_miss_parse_failure_and_harmonic_mean():
    # centre (29.5, 29.5) is just outside (x2 = 29): no hit
    assert gui_g1_reward((20, 20, 39, 39), (10, 10, 29, 29), 100, 100)["hit"] == 0.0
    assert gui_g1_reward(None, (10, 10, 29, 29), 100, 100)["total"] == 0.0
    # edges off by 10, 20, 0, 0 of W = H = 100: 4 / (1/0.9 + 1/0.8 + 1 + 1)
    score = box_edge_score((10, 20, 50, 50), (0, 0, 50, 50), 100, 100)
    assert score == pytest.approx(4 / (1 / 0.9 + 1 / 0.8 + 2))
    assert box_edge_score((0, 0, 10, 10), (100, 0, 110, 10), 100, 100) == 0.0


def test_gui_g2_point_and_coverage():
    target = (0, 0, 20, 10)  # centre (10, 5), sigma (10, 5)
    same_size = (10, 0, 30, 10)  # centre (20, 5): one sigma off in x
    assert gaussian_point_reward(same_size, target) == pytest.approx(math.exp(-0.5))
    # equal covariances: D_B = dx^2 / sigma^2 / 8 = 1/8
    assert bhattacharyya_distance(same_size, target) == pytest.approx(0.125, abs=1e-6)
    wider = (0, 0, 40, 10)  # S_p = diag(400, 25), S_gt = diag(100, 25), mean diag(250, 25)
    expected = 100 / 250 / 8 + 0.5 * math.log(6250 / math.sqrt(10000 * 2500))
    assert bhattacharyya_distance(wider, target) == pytest.approx(expected, abs=1e-6)
    assert gaussian_coverage_reward(wider, target) == pytest.approx(math.exp(-expected), abs=1e-6)
    reward = gui_g2_reward(same_size, target, format_ok=True)
    assert reward["total"] == pytest.approx(math.exp(-0.5) + math.exp(-0.125) + 1, abs=1e-6)
    assert gui_g2_reward(None, target, format_ok=False)["total"] == 0.0
    assert gaussian_coverage_reward((5, 5, 5, 9), target) == 0.0  # empty box


def test_click_reward_is_inclusive():
    assert click_reward((29, 10), (10, 10, 29, 29))["total"] == 1.0
    assert click_reward((29.5, 10), (10, 10, 29, 29))["total"] == 0.0
    assert click_reward(None, (10, 10, 29, 29))["total"] == 0.0


BOX, FAR_BOX = (40, 40, 60, 60), (10, 10, 20, 20)


def score(positions, stop_reason, box, max_steps=3):
    episode = CursorEpisode(positions, stop_reason, [True] * (len(positions) - 1), max_steps)
    return cursor_trajectory_score(episode, box, 100, 100)


def test_cursor_stop_inside_scores_centre_bonus():
    # (45, 45) in box (40..60): ratio = 0.0707 / 0.1414 = 0.5, centre score 1 - 0.5^5
    traj = score([(50, 50), (45, 45), (45, 45)], "stop", BOX)
    assert traj == pytest.approx(1 + 0.1 * (1 - 0.5**5))
    reward = cursor_reward(CursorEpisode([(50, 50), (45, 45), (45, 45)], "stop", [True, True]),
                           BOX, 100, 100)
    assert reward["total"] == pytest.approx(0.9 * traj + 0.1)


def test_cursor_stop_outside_false_stop_and_direction():
    # one move to (30, 20): distance 0.1 to the box at (20, 20); < 2 moves: -0.5 + 0.9
    assert score([(50, 50), (30, 20), (30, 20)], "stop", FAR_BOX) == pytest.approx(0.4)
    # two moves, the last closer (0.2 -> 0.1): + 0.1
    assert score([(50, 50), (40, 20), (30, 20), (30, 20)], "stop", FAR_BOX) == pytest.approx(0.5)
    # two moves, moving away (0.1 -> 0.2): -0.5 + 0.8 - 0.2
    assert score([(50, 50), (30, 20), (40, 20), (40, 20)], "stop", FAR_BOX) == pytest.approx(0.1)


def test_cursor_max_steps_penalties():
    # inside earlier (-0.1), (30, 20) repeated (-0.2), last not closer than first (-0.2)
    positions = [(50, 50), (15, 15), (30, 20), (30, 20)]
    assert score(positions, "max_steps", FAR_BOX) == pytest.approx(0.9 - 0.5)
    # ends inside at the centre after moving closer: 1 + 0.1 * 1
    assert score([(50, 50), (30, 30), (15, 15), (15, 15)][:3], "max_steps", FAR_BOX,
                 max_steps=2) == pytest.approx(1.1)


def test_cursor_parse_failure_and_single_step():
    assert score([(50, 50)], "parse_failed", BOX) == 0.0
    episode = CursorEpisode([(50, 50)], "parse_failed", [False, True])
    assert cursor_reward(episode, BOX, 100, 100)["total"] == pytest.approx(0.05)
    assert score([(50, 50), (30, 20)], "max_steps", FAR_BOX, max_steps=1) == pytest.approx(0.9)
