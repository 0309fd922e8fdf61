"""Answer parsers: the papers' readings by default, the lenient ones by name, and None (never an
exception) for anything else."""

import pytest

from agentrl.core.hostile import hostile_actions
from agentrl.environments.gui.answers import (
    cursor_format_ok,
    parse_bbox_json,
    parse_bbox_list,
    parse_click_id,
    parse_cursor_action,
    parse_point,
    parse_uitars_action,
)

JSON = '[{"bbox_2d": [1, 2, 30, 40]}]'


def test_gui_g1_paper_reads_only_a_json_fence_line_or_a_bare_literal():
    assert parse_bbox_json(f"```json\n{JSON}\n```") == [1, 2, 30, 40]
    assert parse_bbox_json(JSON) == [1, 2, 30, 40]
    assert parse_bbox_json(f"```\n{JSON}\n```") is None  # a fence without the json line
    assert parse_bbox_json(f"```json {JSON} ```") is None  # a one-line fence
    assert parse_bbox_json(f"<answer>{JSON}</answer>") is None
    assert parse_bbox_json('{"bbox_2d": [1, 2, 3, 4]}') is None  # a bare dict has no [0]
    assert parse_bbox_json('[{"bbox_2d": [1, 2, 3, 4, 5]}]') == [1, 2, 3, 4, 5]
    assert parse_bbox_json('[{"bbox_2d": [True, 2, 3, 4]}]') == [True, 2, 3, 4]
    assert parse_bbox_json("__import__('os')") is None


def test_gui_g1_lenient_reading():
    assert parse_bbox_json(f"```\n{JSON}\n```", "lenient") == [1, 2, 30, 40]
    assert parse_bbox_json('{"bbox_2d": [1.5, 2, 3, 4]}', "lenient") == [1.5, 2, 3, 4]
    assert parse_bbox_json('[{"bbox_2d": [1, 2, 3]}]', "lenient") is None
    assert parse_bbox_json('[{"bbox_2d": [true, 2, 3, 4]}]', "lenient") is None
    with pytest.raises(ValueError, match="parsing"):
        parse_bbox_json(JSON, "loose")


def test_gui_g2_paper_first_list_after_the_last_assistant_and_strict_format():
    assert parse_bbox_list("[1,2,3,4]") == ([1, 2, 3, 4], True)
    assert parse_bbox_list("[1,2,3,4] or [5,6,7,8]") == ([1, 2, 3, 4], False)
    assert parse_bbox_list(" [1,2,3,4]") == ([1, 2, 3, 4], False)  # whitespace fails format
    assert parse_bbox_list("[.5,2,3,4]") == ([0.5, 2, 3, 4], False)
    assert parse_bbox_list("[12.,2,3,4]") == (None, False)
    assert parse_bbox_list("[9,9,9,9]assistant\n[1,2,3,4]") == ([1, 2, 3, 4], True)
    assert parse_bbox_list("[1,2,99999999999999999999,4]")[0][2] == 1e20  # no bound
    assert parse_bbox_list("The box is [1, 2, 3, 4].", "lenient") == ([1, 2, 3, 4], False)
    assert parse_bbox_list("[1,2,3,4] or [5,6,7,8]", "lenient") == ([5, 6, 7, 8], False)
    assert parse_bbox_list("nothing") == (None, False)


def test_cursor_paper_extractor_and_lenient_reading():
    assert parse_cursor_action("<think>a</think><answer>STOP</answer>").kind == "stop"
    goto = parse_cursor_action("<answer>( -3 , 4 )</answer><answer>(9, 9)</answer>")
    assert (goto.kind, goto.x, goto.y) == ("goto", -3, 4)  # the first tag
    for text in ("<answer>stop</answer>", "<answer>(3.5, 4)</answer>", "(3, 4)",
                 "<answer>MOVE(1, 2)</answer>", "<answer>\n(3, 4)\n</answer>"):
        assert parse_cursor_action(text) is None, text
    assert parse_cursor_action("<answer>stop</answer>", "lenient").kind == "stop"
    move = parse_cursor_action("MOVE(-5, 10)", "lenient")
    assert (move.kind, move.x, move.y) == ("move", -5, 10)
    assert parse_cursor_action("left a bit", "lenient") is None


def test_uitars_actions_points_and_click_ids():
    goto = parse_uitars_action("Thought: there\nAction: GOTO(12, 34)")
    assert (goto.kind, goto.x, goto.y) == ("goto", 12, 34)
    assert parse_uitars_action("Thought: on it\nAction: STOP").kind == "stop"
    assert parse_uitars_action("Action: left") is None
    assert parse_point("<think>hm</think><answer>(12, 34)</answer>") == [12, 34]
    assert parse_click_id("<action>click(7)</action>") == 7
    assert parse_click_id("click(x)") is None


def test_gui_cursor_format_regexes():
    assert cursor_format_ok("<think>a</think> <answer>(1, 2)</answer>", last=False)
    assert not cursor_format_ok("<think>a</think><answer>STOP</answer>", last=False)
    assert cursor_format_ok("<think>a</think><answer>STOP</answer>", last=True)
    assert not cursor_format_ok("<answer>(1, 2)</answer>", last=True)
    assert cursor_format_ok("<answer>(1, 2)</answer>", last=True, style="answer")
    assert cursor_format_ok("Thought: a\nAction: GOTO(1, 2)", last=False, style="uitars")
    assert not cursor_format_ok("Action: GOTO(1, 2)", last=True, style="uitars")


def test_parsers_survive_hostile_replies():
    for _, text in hostile_actions():
        for parsing in ("paper", "lenient"):
            parse_bbox_json(text, parsing)
            parse_bbox_list(text, parsing)
            parse_cursor_action(text, parsing)
        parse_point(text)
        parse_click_id(text)
        parse_uitars_action(text)
