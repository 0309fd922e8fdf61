"""Answer parsers: the papers' formats, and None (never an exception) for anything else."""

from agentrl.core.hostile import hostile_actions
from agentrl.environments.gui.answers import (
    cursor_format_ok,
    parse_bbox_json,
    parse_bbox_list,
    parse_click_id,
    parse_cursor_action,
    parse_point,
)


def test_gui_g1_json_with_code_fence_and_bare_dict():
    assert parse_bbox_json('```json\n[{"bbox_2d": [1, 2, 30, 40]}]\n```') == [1, 2, 30, 40]
    assert parse_bbox_json('{"bbox_2d": [1.5, 2, 3, 4]}') == [1.5, 2, 3, 4]
    assert parse_bbox_json('[{"bbox_2d": [1, 2, 3]}]') is None
    assert parse_bbox_json('[{"bbox_2d": [true, 2, 3, 4]}]') is None
    assert parse_bbox_json("__import__('os')") is None


def test_gui_g2_list_and_its_format_flag():
    assert parse_bbox_list("[1,2,3,4]") == ([1, 2, 3, 4], True)
    assert parse_bbox_list("The box is [1, 2, 3, 4].") == ([1, 2, 3, 4], False)
    assert parse_bbox_list("nothing") == (None, False)


def test_points_cursor_actions_and_click_ids():
    assert parse_point("<think>hm</think><answer>(12, 34)</answer>") == [12, 34]
    assert parse_cursor_action("<answer>STOP</answer>").kind == "stop"
    move = parse_cursor_action("MOVE(-5, 10)")
    assert (move.kind, move.x, move.y) == ("move", -5, 10)
    assert parse_cursor_action("<answer>(3, 4)</answer>").kind == "goto"
    assert parse_cursor_action("left a bit") is None
    assert parse_click_id("<action>click(7)</action>") == 7
    assert parse_click_id("click(x)") is None


def test_gui_cursor_format_regexes():
    assert cursor_format_ok("<think>a</think> <answer>(1, 2)</answer>", last=False)
    assert not cursor_format_ok("<think>a</think><answer>STOP</answer>", last=False)
    assert cursor_format_ok("<think>a</think><answer>STOP</answer>", last=True)
    assert not cursor_format_ok("<answer>(1, 2)</answer>", last=True)
    assert cursor_format_ok("<answer>(1, 2)</answer>", last=True, think=False)


def test_parsers_survive_hostile_replies():
    for _, text in hostile_actions():
        for parse in (parse_bbox_json, parse_point, parse_cursor_action, parse_click_id):
            parse(text)
        parse_bbox_list(text)
