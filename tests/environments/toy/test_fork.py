"""toy/fork and toy/chain: the credit lab's worlds pass check_env, the oracle solves them,
the early choice decides, walls and look leave the state unchanged."""

from __future__ import annotations

import json

import pytest

from agentrl.core.check_env import check_env
from agentrl.core.registry import make


@pytest.mark.parametrize("env_id", ["toy/fork", "toy/chain"])
def test_credit_lab_envs_pass_check_env(env_id: str) -> None:
    assert check_env(make(env_id)).ok


@pytest.mark.parametrize(("corridor", "optimal"), [(1, 4), (2, 5), (3, 6)])
def test_oracle_solves_every_task_in_corridor_plus_three_steps(corridor: int,
                                                               optimal: int) -> None:
    env = make("toy/fork", corridor=corridor, max_turns=12)
    for split in env.spec.splits:
        for task in env.tasks(split):
            env.reset(task)
            actions = env.demonstration(task)
            assert len(actions) == optimal
            results = [env.step(action) for action in actions]
            assert results[-1].terminated and results[-1].reward == 1.0
            assert not any(r.terminated for r in results[:-1])


def test_tasks_cover_both_sides_and_splits_are_disjoint() -> None:
    env = make("toy/fork")
    sides = {task.metadata["side"] for task in env.tasks("train")}
    assert sides == {"east", "west"}
    ids = [task.id for split in env.spec.splits for task in env.tasks(split)]
    assert len(ids) == len(set(ids))


def test_walls_and_look_leave_the_state_unchanged_and_states_recur() -> None:
    env = make("toy/fork")
    task = env.tasks("train")[0]
    start = env.reset(task).state_key
    assert env.step("go north").observation.state_key == start  # the hall's wall
    assert env.step("look").observation.state_key == start
    side = task.metadata["side"]
    other = {"east": "west", "west": "east"}[side]
    wing = env.step(f"go {other}").observation.state_key
    assert wing != start
    assert env.step(f"go {side}").observation.state_key == start  # back in the hall


def test_observation_text_is_a_function_of_the_state_without_feedback() -> None:
    env = make("toy/fork")
    task = env.tasks("train")[0]
    start = env.reset(task)
    assert start.text.startswith(task.instruction)
    assert env.step("go north").observation.text == start.text  # wall: same text
    assert env.step("look").observation.text == start.text


def test_every_room_offers_three_to_five_actions() -> None:
    for env_id, extra in (("toy/fork", {"dead_end_depth": 3}), ("toy/chain", {})):
        env = make(env_id, corridor=3, max_turns=12, **extra)
        task = env.tasks("train")[1]
        env.reset(task)
        for room in env._rooms:  # every room, visited directly
            env._room = room
            assert 3 <= len(env.admissible()) <= 5, (env_id, room, env.admissible())


def test_the_trap_loses_the_episode_and_the_chain_has_no_dead_end() -> None:
    env = make("toy/fork", trap=True, max_turns=10, feedback=True)
    task = env.tasks("train")[0]
    side = task.metadata["side"]
    other = {"east": "west", "west": "east"}[side]
    env.reset(task)
    wing = env.step(f"go {other}").observation.state_key
    back = env.step(f"go {side}").observation
    assert "shut" in back.text and back.state_key == wing
    result = None
    for _ in range(8):
        result = env.step("look")
    assert result.truncated and not result.info["success"]
    chain = make("toy/chain")
    observation = chain.reset(chain.tasks("train")[0])
    assert f"go {other}" not in observation.available_actions
    assert chain.step(f"go {other}").observation.state_key == observation.state_key


@pytest.mark.parametrize(("env_id", "size"), [("toy/fork", 360), ("toy/chain", 120)])
def test_drawn_worlds_are_disjoint_across_splits_and_the_oracle_solves_them(
        env_id: str, size: int) -> None:
    env = make(env_id, worlds="drawn", tasks_per_split=1000)
    worlds = {split: {json.dumps(t.metadata, sort_keys=True) for t in env.tasks(split)}
              for split in env.spec.splits}
    assert sum(map(len, worlds.values())) == size
    assert not worlds["train"] & worlds["valid"] and not worlds["train"] & worlds["heldout"]
    assert not worlds["valid"] & worlds["heldout"]
    assert len(worlds["train"]) > len(worlds["heldout"]) > size // 10  # 60 / 20 / 20 %
    train = env.tasks("train")
    assert {t.metadata["corridor"] for t in train} == {1, 2, 3}
    for task in train[:12]:
        env.reset(task)
        actions = env.demonstration(task)
        assert len(actions) == task.metadata["corridor"] + 3
        assert [env.step(a) for a in actions][-1].terminated


def test_drawn_fork_dead_ends_have_the_task_s_depth() -> None:
    env = make("toy/fork", worlds="drawn", tasks_per_split=1000)
    task = next(t for t in env.tasks("train") if t.metadata["dead_end_depth"] == 3)
    env.reset(task)
    other = {"east": "west", "west": "east"}[task.metadata["side"]]
    texts = [env.step(a).observation.text for a in (f"go {other}", "go north", "go north")]
    assert "dead end" not in texts[1] and "dead end" in texts[2]
    with pytest.raises(ValueError, match="worlds="):
        make("toy/fork", worlds="random")
