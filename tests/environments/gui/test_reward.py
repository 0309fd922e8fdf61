"""GUI-G1, GUI-G2, click and GUI-Cursor rewards against hand-computed values (the papers'
code's definitions: GUI-G1 grpo_rec.py, GUI-G2 gaussian_grpo.py, GUI-Cursor reward_funcs.py)."""

import math

import pytest

from agentrl.environments.gui.cursor_reward import (
    CursorEpisode,
    CursorRewardOptions,
    cursor_reward,
    trajectory_score,
)
from agentrl.environments.gui.reward import (
    bhattacharyya_distance,
    click_reward,
    g1_box,
    g1_hit,
    g1_iou,
    gaussian_coverage_reward,
    gaussian_point_reward,
    gui_g1_reward,
    gui_g2_reward,
)

TARGET = (10, 10, 30, 30)


def test_gui_g1_iou_drops_overlaps_of_one_pixel_and_uses_plain_areas():
    # overlap from 15 to min(35, 30) - 1 = 29, counted +1: 15 x 15 = 225; areas 400 + 400
    assert g1_iou((15, 15, 35, 35), TARGET) == pytest.approx(0.25 * 225 / 575)
    assert g1_iou((29, 10, 49, 30), TARGET) == 0.0  # 1 px of overlap in x: none
    # 2 px in x: span 28..29 counted as 2 x 20 = 40; union 400 + 400 - 40
    assert g1_iou((28, 10, 48, 30), TARGET) == pytest.approx(0.25 * 40 / 760)
    assert g1_iou((5, 5, 5, 5), (5, 5, 5, 5)) == 0.0  # zero union: 1/0 scores 0


def test_gui_g1_box_term_is_not_clamped():
    assert g1_box((15, 15, 35, 35), TARGET, 100, 100) == pytest.approx(0.125 * 0.95)
    # x1 off by 160 of W = 100: closeness -0.6, harmonic mean 4 / (1/-0.6 + 3) = 3
    assert g1_box((-150, 10, 30, 30), TARGET, 100, 100) == pytest.approx(0.125 * 3.0)
    assert g1_box((110, 10, 30, 30), TARGET, 100, 100) == 0.0  # closeness 0: 1/0 scores 0


def test_gui_g1_reads_what_python_can_compute():
    assert g1_hit([15, 15, 25, 25, 99], TARGET) == 1.0  # a fifth number is ignored
    assert g1_hit([True, True, 30, 30], TARGET) == 1.0  # booleans are 1: centre (15.5, 15.5)
    assert g1_hit("1234", TARGET) == 0.0
    reward = gui_g1_reward([15, 15, 35, 35], TARGET, 100, 100)
    assert reward["total"] == pytest.approx(1 + 0.25 * 225 / 575 + 0.125 * 0.95)
    assert gui_g1_reward(None, TARGET, 100, 100)["total"] == 0.0


def test_gui_g2_point_and_coverage_round_to_three_decimals():
    target = (0, 0, 20, 10)  # centre (10, 5), sigma (10, 5)
    same_size = (10, 0, 30, 10)  # centre (20, 5): one sigma off in x
    assert gaussian_point_reward(same_size, target) == round(math.exp(-0.5), 3) == 0.607
    # equal covariances: D_B = dx^2 / (sigma^2 + eps) / 8 + 1/2 ln(det / sqrt(det^2 + eps))
    assert bhattacharyya_distance(same_size, target) == pytest.approx(0.125, abs=1e-9)
    assert gaussian_coverage_reward(same_size, target) == round(math.exp(-0.125), 3) == 0.882
    wider = (0, 0, 40, 10)  # S_p = diag(400, 25), S_gt = diag(100, 25), mean diag(250, 25)
    expected = 100 / 250 / 8 + 0.5 * math.log(6250 / math.sqrt(10000 * 2500))
    assert bhattacharyya_distance(wider, target) == pytest.approx(expected, abs=1e-9)
    reward = gui_g2_reward(same_size, target, format_ok=True)
    assert reward["total"] == pytest.approx(0.607 + 0.882 + 1)
    assert gui_g2_reward(None, target, format_ok=True)["total"] == 1.0  # format on its own
    assert gaussian_point_reward(same_size, (5, 5, 5, 9)) == 0.0  # degenerate target: 1/0


def test_gui_g2_degenerate_boxes_paper_and_zero():
    # a flat prediction: det S_p = 0, eps keeps the root positive, coverage small but > 0
    flat, target = (5, 0, 15, 0), (0, 0, 20, 10)
    log_term = 0.5 * math.log((62.5 * 6.25) / math.sqrt(1e-8))
    mahalanobis = (25 / (6.25 + 1e-8)) / 8
    assert gaussian_coverage_reward(flat, target) == round(math.exp(-mahalanobis - log_term), 3)
    # both flat along y: det S = 0, log 0 = -inf, coverage +inf as GUI-G2
    assert gaussian_coverage_reward((0, 5, 10, 5), (0, 5, 20, 5)) == math.inf
    assert gaussian_coverage_reward((0, 5, 10, 5), (0, 5, 20, 5), degenerate="zero") == 0.0
    with pytest.raises(ValueError, match="degenerate"):
        gaussian_coverage_reward(flat, target, degenerate="none")


def test_click_reward_is_inclusive():
    assert click_reward((29, 10), (10, 10, 29, 29))["total"] == 1.0
    assert click_reward((29.5, 10), (10, 10, 29, 29))["total"] == 0.0
    assert click_reward(None, (10, 10, 29, 29))["total"] == 0.0


BOX, FAR_BOX = (40, 40, 60, 60), (10, 10, 20, 20)
MOVE, STOP = "<think>a</think><answer>(1, 1)</answer>", "<think>a</think><answer>STOP</answer>"


def score(positions, stop_reason, box, max_steps=3):
    episode = CursorEpisode(positions, stop_reason, [MOVE] * (len(positions) - 1), max_steps)
    return trajectory_score(episode, box, 100, 100)[0]


def test_cursor_stop_inside_scores_centre_bonus():
    # (45, 45) in box (40..60): ratio = 0.0707 / 0.1414 = 0.5, centre score 1 - 0.5^5
    traj = score([(50, 50), (45, 45), (45, 45)], "stop", BOX)
    assert traj == pytest.approx(1 + 0.1 * (1 - 0.5**5))
    episode = CursorEpisode([(50, 50), (45, 45), (45, 45)], "stop", [MOVE, STOP])
    reward = cursor_reward(episode, BOX, 100, 100)
    assert reward["total"] == pytest.approx(0.9 * traj + 0.1)
    assert reward["steps"] == 0.5 and reward["success"] == 1.0


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
    assert score([(50, 50), (30, 30), (15, 15)], "max_steps", FAR_BOX,
                 max_steps=2) == pytest.approx(1.1)


def test_cursor_power_distance_and_one_step_before_parse_check():
    # one step, unparseable: the start (50, 50) still scores its distance to the box
    # (40..60 holds it: 1 - 0), GUI-Cursor checks max_steps == 1 first; format 0
    episode = CursorEpisode([(50, 50)], "parse_failed", ["left"], max_steps=1)
    assert cursor_reward(episode, BOX, 100, 100)["total"] == pytest.approx(0.9)
    far = CursorEpisode([(50, 50), (30, 20)], "max_steps", [MOVE], max_steps=1)
    assert cursor_reward(far, FAR_BOX, 100, 100)["traj"] == pytest.approx(0.9)
    power = CursorRewardOptions(distance="power")
    assert cursor_reward(far, FAR_BOX, 100, 100, power)["traj"] == pytest.approx(1 - 0.1**0.5)
    assert score([(50, 50)], "parse_failed", BOX) == 0.0


def test_cursor_other_methods_and_bad_options():
    episode = CursorEpisode([(50, 50), (45, 45), (45, 45)], "stop", [MOVE, STOP])
    # 0.3 distance (inside: 1) + 0.5 success + 0.1 format + 0.1 / 2 moves
    dsfs = CursorRewardOptions(method="distance_success_format_step")
    assert cursor_reward(episode, BOX, 100, 100, dsfs)["total"] == pytest.approx(0.95)
    discrete = CursorRewardOptions(method="discrete_success", format="answer")
    assert cursor_reward(episode, BOX, 100, 100, discrete)["total"] == pytest.approx(0.9)
    with pytest.raises(ValueError, match="reward_options.distance"):
        CursorRewardOptions(distance="cubic")
