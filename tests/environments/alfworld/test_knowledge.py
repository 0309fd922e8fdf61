"""state_key: equal exactly when the agent's knowledge is equal."""

from __future__ import annotations

from agentrl.environments.alfworld.knowledge import Knowledge

ROOM = {
    ("receptacleatlocation", "fridge 1", "loc a"),
    ("receptacleatlocation", "countertop 1", "loc b"),
    ("openable", "fridge 1"),
    ("inreceptacle", "egg 1", "fridge 1"),
    ("inreceptacle", "apple 1", "countertop 1"),
}


def seen(*extra):
    knowledge = Knowledge("put a cool apple in countertop")
    for facts in extra:
        knowledge.observe(frozenset(ROOM | set(facts)))
    return knowledge


def test_closed_fridge_hides_its_contents():
    knowledge = seen({("atlocation", "agent1", "loc a")})
    assert knowledge.location == "fridge 1"
    assert knowledge.seen == {"fridge 1": ("closed", ())}


def test_opening_records_contents_and_closing_remembers_them():
    knowledge = seen(
        {("atlocation", "agent1", "loc a"), ("opened", "fridge 1")},
        {("atlocation", "agent1", "loc a")},
    )
    assert knowledge.seen == {"fridge 1": ("closed", ("egg 1",))}


def test_key_tracks_location_and_holdings():
    at_start = seen({("atlocation", "agent1", "loc start")})
    at_counter = seen({("atlocation", "agent1", "loc b")})
    holding = seen({("atlocation", "agent1", "loc start"), ("holds", "agent1", "apple 1")})
    assert at_start.location == "middle of the room"
    assert len({at_start.key(), at_counter.key(), holding.key()}) == 3
    assert at_start.key() == seen({("atlocation", "agent1", "loc start")}).key()


def test_held_object_states_are_part_of_the_key():
    cold = seen({("holds", "agent1", "apple 1"), ("iscool", "apple 1")})
    plain = seen({("holds", "agent1", "apple 1")})
    assert cold.holding == ("apple 1 iscool",)
    assert cold.key() != plain.key()
