"""The text action space: what parses into which MiniWoB action, and what is refused."""

import re

import pytest

from agentrl.environments.miniwob.actions import (
    Action,
    ParseError,
    allowed_keys,
    parse_action,
    playwright_key,
)
from agentrl.environments.miniwob.dom import render_dom


@pytest.mark.parametrize(("reply", "expected"), [
    ("click_element(5)", Action("click_element", (5,))),
    ("  `CLICK_ELEMENT(5)`  ", Action("click_element", (5,))),
    ("click_coords(10, 20.5)", Action("click_coords", (10.0, 20.5))),
    ('type_text("Jerald")', Action("type_text", ("Jerald",))),
    ('press_key("<Enter>")', Action("press_key", ("<Enter>",))),
    ('press_key("C-a")', Action("press_key", ("C-a",))),
    ("type_field(1)", Action("type_field", (1,))),
    ('focus_element_and_type_text(7, "ir")', Action("focus_element_and_type_text", (7, "ir"))),
    ("none()", Action("none", ())),
])
def test_valid_replies_parse_into_the_action(reply, expected):
    assert parse_action(reply, num_fields=2) == expected


@pytest.mark.parametrize(("reply", "reason"), [
    ("", "empty"),
    ("click the button", "not a call"),
    ("click_element(-1)", "non-negative"),
    ("click_element('5')", "integer"),
    ("click_element(5, 6)", "takes 1"),
    ("click_coords(160, 10)", "[0, 160)"),
    ("click_coords(10, 210)", "[0, 210)"),
    ('press_key("F5")', "allowed keys"),
    ("type_text('" + "x" * 65 + "')", "at most 64"),
    ("type_text('a\\x00b')", "printable"),
    ("type_field(2)", "does not exist"),
    ("open_url('http://x')", "unknown action"),
    ("click_element(x=5)", "positional"),
    ("click_element(__import__('os'))", "literals"),
    ("(" * 500, "at most"),
])
def test_malformed_replies_are_refused_with_the_reason(reply, reason):
    with pytest.raises(ParseError, match=re.escape(reason)):
        parse_action(reply, num_fields=2)


def test_miniwob_keys_map_to_playwright_names():
    assert playwright_key("<Enter>") == "Enter"
    assert playwright_key("C-a") == "Control+a"
    assert playwright_key("S-<Tab>") == "Shift+Tab"
    assert playwright_key("<Space>") == "Space"
    assert playwright_key("-") == "-"
    assert "<Enter>" in allowed_keys() and "C-v" in allowed_keys()


def test_dom_rendering_shows_refs_values_focus_and_hides_text_node_refs():
    tree = {"tag": "BODY", "ref": 1, "left": 0, "top": 0, "width": 500, "height": 210,
            "id": "", "classes": "", "children": [
                {"tag": "INPUT_checkbox", "ref": 2, "left": 1.4, "top": 2.6, "width": 10,
                 "height": 10, "id": "ch0", "classes": "", "value": True, "children": []},
                {"tag": "t", "ref": -7, "left": 12, "top": 2, "width": 30, "height": 10,
                 "text": "Dmdx", "children": []},
                {"tag": "INPUT_text", "ref": 3, "left": 0, "top": 20, "width": 50, "height": 20,
                 "id": "tt", "classes": "a  b", "value": "hi", "focused": True,
                 "children": []}]}
    assert render_dom(tree).splitlines() == [
        "[1] body @0,0,500,210",
        "  [2] input_checkbox#ch0 value=true @1,3,10,10",
        "  t 'Dmdx' @12,2,30,10",
        "  [3] input_text#tt.a.b value='hi' (focused) @0,20,50,20",
    ]
    assert render_dom(tree, boxes=False).splitlines()[0] == "[1] body"
