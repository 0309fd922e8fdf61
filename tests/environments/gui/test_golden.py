"""agentrl's GUI rewards by default against golden values from the papers' own code.

The fixtures in golden/ hold inputs and the outputs of the authors' reward functions, run on
them unchanged (numbers and strings only): GUI-G1 (Yuqi-Zhou/GUI-G1 @ e581fe98, grpo_rec.py
``hit_reward``, ``iou_reward``, ``box_reward``), GUI-G2 (ZJU-REAL/GUI-G2 @ 5c5c3658,
gaussian_grpo.py ``gaussian_point_reward``, ``gaussian_plane_reward``, ``format_reward``) and
GUI-Cursor (yuzhaouoe/GUI-Cursor-Moving @ 9966e577, whole episodes through its
``State.update_state`` and ``calculate_rewards``). Each fixture names its source and commit.
"""

import json
import math
from pathlib import Path

import pytest

from agentrl.environments.gui.answers import parse_bbox_json, parse_bbox_list
from agentrl.environments.gui.cursor import CursorTrack
from agentrl.environments.gui.cursor_reward import CursorRewardOptions, cursor_reward
from agentrl.environments.gui.reward import gui_g1_reward, gui_g2_reward

GOLDEN = Path(__file__).parent / "golden"
COMMITS = {"gui_g1.json": "e581fe98fe902d7903207686351d6d30c2ca4acd",
           "gui_g2.json": "5c5c36581654364073385e37deca28f4d765aa94",
           "gui_cursor.json": "9966e577d9fb532b8c2bb96e69f2170bac6415a4"}


def load(name):
    data = json.loads((GOLDEN / name).read_text())
    assert data["source"]["commit"] == COMMITS[name]
    assert len(data["cases"]) >= 600
    return data["cases"]


def same(ours, theirs):
    if math.isnan(theirs):
        return math.isnan(ours)
    if math.isinf(theirs):
        return ours == theirs
    return abs(ours - theirs) <= 1e-9


def test_gui_g1_matches_its_code_on_every_golden_case():
    wrong = []
    for case in load("gui_g1.json"):
        bbox = parse_bbox_json(case["completion"])
        ours = gui_g1_reward(bbox, case["solution"], case["width"], case["height"])
        if not all(same(ours[key], case[key]) for key in ("hit", "iou", "box")):
            wrong.append((case, ours))
    assert not wrong, wrong[:3]


def test_gui_g2_matches_its_code_on_every_golden_case():
    wrong = []
    for case in load("gui_g2.json"):
        box, format_ok = parse_bbox_list(case["completion"])
        ours = gui_g2_reward(box, case["solution"], format_ok)
        pairs = (("point", "point"), ("coverage", "plane"), ("format", "format"))
        if not all(same(ours[key], case[theirs]) for key, theirs in pairs):
            wrong.append((case, ours))
    assert not wrong, wrong[:3]


METHODS = {"traj_reward": "traj", "discrete_success_reward": "discrete_success",
           "distance_success_format_step": "distance_success_format_step"}


def options_of(paper):
    """GUI-Cursor's calculate_rewards keyword arguments as `CursorRewardOptions`."""
    paper = dict(paper)
    fmt = "think"
    if paper.pop("format_function_name", None) == "uitars_format_reward":
        fmt = "uitars"
    if paper.pop("format_without_think", False):
        fmt = "answer"
    ours = {"format": fmt}
    if "reward_method_name" in paper:
        ours["method"] = METHODS[paper.pop("reward_method_name")]
    if paper.pop("distance_func_name", "linear") == "powerfunc":
        ours["distance"] = "power"
    return CursorRewardOptions(**ours, **paper)


def test_gui_cursor_matches_its_code_on_every_golden_episode():
    wrong = []
    cases = load("gui_cursor.json")
    for case in cases:
        width, height = case["width"], case["height"]
        track = CursorTrack(width, height, case["max_steps"],
                            uitars=case["action_extractor"] == "uitars_action")
        for reply in case["replies"]:
            _, stop_reason = track.act(reply)
            if stop_reason:
                break
        box = [int(p * side) for p, side in zip(case["box_proportions"], (width, height) * 2,
                                                 strict=True)]
        assert box == case["bbox_coords"]
        ours = cursor_reward(track.episode(stop_reason), box, width, height,
                             options_of(case["options"]))
        theirs = dict(case["rewards"], total=case["rewards"].pop("overall"))
        if ([list(p) for p in track.positions] != case["positions"]
                or not all(same(ours[key], value) for key, value in theirs.items())):
            wrong.append((case, ours))
    assert not wrong, wrong[:3]
    reasons = {case["stop_reason"] for case in cases}
    assert reasons == {"target_reached", "max_steps_reached", "extract_action_failed"}


@pytest.mark.parametrize("name", sorted(COMMITS))
def test_fixtures_cover_the_edge_classes(name):
    cases = load(name)
    texts = [case.get("completion") or "\n".join(case.get("replies", [])) for case in cases]
    marks = {"gui_g1.json": ["```json\n", "<answer>", "True", "1e999", ".5"],
             "gui_g2.json": ["assistant\n", ".5", " or ", "\t"],
             "gui_cursor.json": ["MOVE(", "</answer><answer>", "<answer>stop</answer>",
                                 "Action: GOTO", ".5, "]}[name]
    for mark in marks:
        assert any(mark in text for text in texts), mark
