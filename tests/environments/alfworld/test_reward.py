"""Outcome and milestone rewards on hand-written facts."""

from __future__ import annotations

from agentrl.environments.alfworld import reward

HEAT = "pick_heat_then_place_in_recep"
PARAMS = {"object_target": "Mug", "parent_target": "Fridge", "toggle_target": ""}
BASE = {
    ("objecttype", "mug 1", "mugtype"),
    ("objecttype", "mug 2", "mugtype"),
    ("receptacletype", "fridge 1", "fridgetype"),
    ("receptacletype", "countertop 1", "countertoptype"),
}


def facts(*extra):
    return frozenset(BASE | set(extra))


def test_outcome_is_one_only_for_a_reached_goal():
    assert reward.outcome_reward(True) == 1.0
    assert reward.outcome_reward(False) == 0.0


def test_heat_milestones_follow_hold_heat_place():
    start = facts(("inreceptacle", "mug 1", "countertop 1"))
    holding = facts(("holds", "agent1", "mug 1"))
    hot = facts(("holds", "agent1", "mug 1"), ("ishot", "mug 1"))
    placed_cold = facts(("inreceptacle", "mug 1", "fridge 1"))
    placed_hot = facts(("inreceptacle", "mug 1", "fridge 1"), ("ishot", "mug 1"))
    assert reward.milestones(HEAT, PARAMS, start, False) == [False, False, False]
    assert reward.milestones(HEAT, PARAMS, holding, False) == [True, False, False]
    assert reward.milestones(HEAT, PARAMS, hot, False) == [True, True, False]
    assert reward.milestones(HEAT, PARAMS, placed_cold, False) == [False, False, False]
    assert reward.milestones(HEAT, PARAMS, placed_hot, True) == [False, False, True]


def test_pick_two_needs_two_distinct_objects_in_place():
    two = "pick_two_obj_and_place"
    one_in = facts(("inreceptacle", "mug 1", "fridge 1"))
    second_held = facts(("inreceptacle", "mug 1", "fridge 1"), ("holds", "agent1", "mug 2"))
    both = facts(("inreceptacle", "mug 1", "fridge 1"), ("inreceptacle", "mug 2", "fridge 1"))
    assert reward.milestones(two, PARAMS, one_in, False) == [False, True, False, False]
    assert reward.milestones(two, PARAMS, second_held, False) == [True, True, True, False]
    assert reward.milestones(two, PARAMS, both, True)[-1] is True


def test_progress_is_the_furthest_milestone():
    assert reward.progress([False, False, False]) == 0.0
    assert reward.progress([True, False, False]) == 1 / 3
    assert reward.progress([False, False, True]) == 1.0


def test_shaping_pays_only_new_progress():
    # best so far 1/3; now 2/3 with weight 0.3 -> 0.3 * 1/3 = 0.1; a relapse pays nothing
    assert abs(reward.shaping_reward(1 / 3, 2 / 3, 0.3) - 0.1) < 1e-12
    assert reward.shaping_reward(2 / 3, 1 / 3, 0.3) == 0.0
