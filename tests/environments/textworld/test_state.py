"""Room and inventory read from TextWorld facts; the state key's invariances."""

from textworld.logic import Proposition, Variable

from agentrl.environments.textworld.state import location_and_inventory, state_key

NAMES = {"r_0": "kitchen", "o_0": "apple", "o_1": "pear", "c_0": "chest"}
FACTS = [
    Proposition("at", (Variable("c_0", "c"), Variable("r_0", "r"))),
    Proposition("in", (Variable("o_1", "o"), Variable("I", "I"))),
    Proposition("at", (Variable("P", "P"), Variable("r_0", "r"))),
    Proposition("in", (Variable("o_0", "o"), Variable("I", "I"))),
    Proposition("open", (Variable("c_0", "c"),)),
]


def test_location_and_sorted_inventory_come_from_the_facts():
    assert location_and_inventory(FACTS, NAMES) == ("kitchen", ["apple", "pear"])
    assert location_and_inventory(FACTS[:1], NAMES) == ("", [])


def test_state_key_ignores_case_and_whitespace_of_the_description():
    key = state_key("kitchen", ["apple"], "-= Kitchen =-\nA chest.")
    assert key == state_key("kitchen", ["apple"], "-= KITCHEN =-   a chest. ")
    assert key != state_key("kitchen", [], "-= Kitchen =-\nA chest.")
    assert key != state_key("hall", ["apple"], "-= Kitchen =-\nA chest.")
    assert key != state_key("kitchen", ["apple"], "-= Kitchen =-\nAn open chest.")
    assert len(key) == 16
