"""Task generation: rooms, splits, PDDL naming, layouts that never start solved."""

from __future__ import annotations

from agentrl.environments.alfworld import catalog
from agentrl.environments.alfworld.generate import (
    feasible_combos,
    generate_specs,
    is_heldout_combo,
    sample_scene,
    split_scenes,
)
from agentrl.environments.alfworld.pddl import mangle


def test_mangle_matches_alfworld_names():
    assert (
        mangle("Sink|-01.90|+00.97|-01.50|SinkBasin")
        == "Sink_bar__minus_01_dot_90_bar__plus_00_dot_97_bar__minus_01_dot_50_bar_SinkBasin"
    )


def test_location_name_uses_quarter_metre_grid():
    # x=0.0 -> 0, z=-1.25 -> -5, rotation 180 -> 2, horizon 30
    assert catalog.location_name([0.0, -1.25, 180, 30]) == "loc|0|-5|2|30"


def test_room_one_is_a_kitchen_with_a_sink_basin():
    room = catalog.load_room(1)
    assert room.room_type == "Kitchen"
    assert {"SinkBasin", "Fridge", "Microwave", "CounterTop"} <= room.receptacle_types
    assert "Apple" in room.object_types
    assert len({r.location for r in room.receptacles}) == len(room.receptacles)


def test_look_tasks_are_never_posed_in_kitchens():
    # ALFRED's GOALS_VALID allows look_at_obj_in_light in living rooms and bedrooms only
    assert feasible_combos(catalog.load_room(1), "look_at_obj_in_light") == []


def test_heat_combos_exclude_the_microwave_as_target():
    combos = feasible_combos(catalog.load_room(1), "pick_heat_then_place_in_recep")
    assert ("Apple", "CounterTop") in combos
    assert all(parent != "Microwave" for _, parent in combos)


def test_split_rooms_are_disjoint_and_follow_alfred():
    train, unseen, heldout = (set(split_scenes(s)) for s in ("train", "valid_unseen", "heldout"))
    assert unseen == {10, 219, 308, 424}
    assert heldout == {1, 2, 3, 4, 5, 6, 201, 202, 203, 204, 205, 206} | {
        301,
        302,
        303,
        304,
        305,
        306,
        401,
        402,
        403,
        404,
        405,
        406,
    }
    assert not train & unseen and not train & heldout
    assert split_scenes("valid_seen") == split_scenes("train")


def test_heldout_combinations_never_appear_in_train():
    train = generate_specs("train", 120)
    heldout = generate_specs("heldout", 24)

    def combo(s):
        return (s.task_type, s.object_target, s.parent_target or s.toggle_target)

    assert all(not is_heldout_combo(*combo(s)) for s in train)
    assert all(is_heldout_combo(*combo(s)) for s in heldout)
    assert not {combo(s) for s in train} & {combo(s) for s in heldout}


def test_generation_is_deterministic_and_covers_all_task_types():
    first, again = generate_specs("valid_seen", 12), generate_specs("valid_seen", 12)
    assert first == again
    assert {s.task_type for s in first} == set(catalog.TASK_TYPES)


def test_goal_text_is_phrased_as_alfworld_phrases_it():
    spec = next(s for s in generate_specs("train", 6) if s.task_type == "pick_two_obj_and_place")
    obj, parent = spec.object_target.lower(), spec.parent_target.lower()
    assert spec.goal in (f"put two {obj} in {parent}", f"find two {obj} and put them in {parent}")


def test_targets_never_start_in_the_goal_receptacle():
    for spec in generate_specs("train", 30):
        scene = sample_scene(spec)
        kinds = {r.id: r.type for r in scene.room.receptacles}
        targets = [p for p in scene.placements if p.type == spec.object_target]
        assert targets
        assert all(kinds[p.receptacle] != spec.parent_target for p in targets)
        if spec.task_type == "pick_two_obj_and_place":
            assert len(targets) >= 2
