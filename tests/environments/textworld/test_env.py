"""TextWorldEnv on a hand-built game (exact values) and on generated easy games."""

from __future__ import annotations

import pytest

import agentrl
from agentrl.core.types import Observation, StepResult, Task
from agentrl.environments.textworld.env import TextWorldEnv


@pytest.fixture()
def env() -> TextWorldEnv:
    env = TextWorldEnv(difficulty="easy", max_turns=6)
    yield env
    env.close()


def play(env: TextWorldEnv, task: Task, actions: list[str]) -> list[StepResult]:
    env.reset(task)
    return [env.step(action) for action in actions]


def test_first_observation_is_objective_and_room_without_banner(env, handmade_task):
    observation = env.reset(handmade_task)
    assert "-= Kitchen =-" in observation.text
    assert "The chest contains an apple." in observation.text
    assert "$$" not in observation.text and "\n>" not in observation.text
    assert observation.available_actions == [
        "close chest",
        "examine apple",
        "examine chest",
        "go east",
        "inventory",
        "look",
        "take apple from chest",
    ]


def test_walkthrough_rewards_are_normalised_score_deltas(env, handmade_task):
    steps = play(env, handmade_task, ["take apple from chest", "go east", "put apple on table"])
    # max_score = 2: each quest's point is worth 1/2.
    assert [s.reward for s in steps] == [0.5, 0.0, 0.5]
    assert [s.terminated for s in steps] == [False, False, True]
    assert steps[-1].info["success"] is True
    assert steps[-1].info["outcome_reward"] == 1.0
    assert steps[0].info["reward_components"] == {"score": 0.5}
    assert "outcome_reward" not in steps[0].info
    assert steps[-1].observation.available_actions == []


def test_two_paths_to_the_same_situation_share_a_state_key(env, handmade_task):
    start = env.reset(handmade_task).state_key
    there_and_back = play(env, handmade_task, ["go east", "go west"])
    close_and_open = play(env, handmade_task, ["close chest", "open chest"])
    take_and_return = play(env, handmade_task, ["take apple from chest", "put apple in chest"])
    looked = play(env, handmade_task, ["look", "examine chest", "inventory"])
    for steps in (there_and_back, close_and_open, take_and_return, looked):
        assert steps[-1].observation.state_key == start


def test_different_situations_have_different_state_keys(env, handmade_task):
    start = env.reset(handmade_task).state_key
    keys = {
        start,
        play(env, handmade_task, ["go east"])[-1].observation.state_key,
        play(env, handmade_task, ["close chest"])[-1].observation.state_key,
        play(env, handmade_task, ["take apple from chest"])[-1].observation.state_key,
        play(env, handmade_task, ["take apple from chest", "go east"])[-1].observation.state_key,
    }
    assert len(keys) == 5


@pytest.mark.parametrize(
    ("action", "explains"),
    [
        ("", "Empty action"),
        ("xyzzy", "not a verb I recognise"),
        ("\x00garbage\x1b[2J", "not a verb I recognise"),
        ("x" * 10_000, "Action too long"),
        ("quit", "interpreter command"),
        ("restart", "interpreter command"),
        ("take table", ""),
    ],
)
def test_invalid_actions_are_explained_and_never_raise(env, handmade_task, action, explains):
    start = env.reset(handmade_task).state_key
    result = env.step(action)
    assert result.info["action_valid"] is False
    assert explains in result.observation.text
    assert result.observation.state_key == start
    assert result.reward == 0.0 and not result.terminated


def test_admissible_check_ignores_case_and_spacing(env, handmade_task):
    env.reset(handmade_task)
    result = env.step("  Take   APPLE from chest\n")
    assert result.info["action_valid"] is True
    assert result.reward == 0.5


def test_turn_limit_truncates_with_zero_outcome(env, handmade_task):
    steps = play(env, handmade_task, ["look"] * 6)
    assert [s.truncated for s in steps] == [False] * 5 + [True]
    assert not any(s.terminated for s in steps)
    assert steps[-1].info["outcome_reward"] == 0.0 and steps[-1].info["success"] is False
    with pytest.raises(RuntimeError, match="call reset"):
        env.step("look")


def test_observations_and_results_round_trip_through_json(env, handmade_task):
    first = env.reset(handmade_task)
    assert Observation.model_validate_json(first.model_dump_json()) == first
    for action in ["take apple from chest", "xyzzy", "go east", "put apple on table"]:
        result = env.step(action)
        assert StepResult.model_validate_json(result.model_dump_json()) == result


def test_reset_twice_gives_the_same_first_observation(env, handmade_task):
    first = env.reset(handmade_task)
    env.step("take apple from chest")
    assert env.reset(handmade_task) == first


def test_close_is_idempotent_and_reset_reopens(env, handmade_task):
    env.reset(handmade_task)
    env.close()
    env.close()
    assert "-= Kitchen =-" in env.reset(handmade_task).text


def test_make_builds_the_registered_env(tw_cache):
    env = agentrl.make("textworld", difficulty="medium", max_turns=7)
    assert isinstance(env, TextWorldEnv)
    assert env.spec.id == "textworld" and env.spec.max_turns == 7
    assert "textworld" in agentrl.core.registered()


def test_unknown_difficulty_and_split_are_clear_errors(easy_env):
    with pytest.raises(ValueError, match="unknown difficulty 'expert'.*easy, medium, hard"):
        TextWorldEnv(difficulty="expert")
    with pytest.raises(ValueError, match="unknown split 'test'"):
        easy_env.tasks("test")


def test_default_task_is_chosen_by_seed(easy_env):
    train = easy_env.tasks("train")
    assert easy_env.reset(seed=1) == easy_env.reset(train[1])
    assert easy_env.reset(seed=2) == easy_env.reset(train[0])


def test_check_env_finds_no_violations(easy_env):
    from agentrl.core.check_env import check_env

    report = check_env(TextWorldEnv(difficulty="easy", tasks_per_split=2))
    assert report.violations == [], str(report)


def test_envs_reset_and_step_in_parallel_threads_as_they_do_alone(easy_env, handmade_task):
    """Resets are not serialised (only loading a game is): 8 envs over 3 games, reset and
    stepped by 8 threads at once, twenty times, see exactly what each sees alone."""
    from concurrent.futures import ThreadPoolExecutor

    tasks = [*easy_env.tasks("train"), handmade_task] * 3
    envs = [TextWorldEnv(difficulty="easy", tasks_per_split=2) for _ in tasks[:8]]
    pairs = list(zip(envs, tasks, strict=False))

    def play(pair):
        env, task = pair
        first = env.reset(task, seed=0)
        return first, env.step("look"), env.step("inventory")

    try:
        alone = [play(pair) for pair in pairs]
        with ThreadPoolExecutor(len(pairs)) as pool:
            for _ in range(20):
                assert list(pool.map(play, pairs)) == alone
    finally:
        for env in envs:
            env.close()


HOSTILE_PLAY = """
import random, sys
from agentrl.environments.textworld.env import TextWorldEnv
env = TextWorldEnv(difficulty="easy", tasks_per_split=2)
task = env.tasks("train")[0]
first = env.reset(task, seed=0)
rng = random.Random(0)
printable = [chr(c) for c in range(32, 127)]
actions = ["\\\\z", "\\\\help", "\\\\f", "look\\n\\\\quit", "é" * 199 + "日", "日" * 200]
actions += ["".join(rng.choice(printable + ["\\\\"] * 5) for _ in range(rng.randint(1, 60)))
            for _ in range(300)]
for action in actions:
    result = env.step(action)
    if result.terminated or result.truncated:
        env.reset(task, seed=0)
assert env.reset(task, seed=0) == first
print("played", len(actions))
"""


def test_hostile_and_random_actions_neither_hang_nor_crash_the_interpreter(easy_env, tw_cache):
    """Backslash escapes hung dumb-frotz and random printable text crashed it (SIGSEGV);
    multibyte text raised UnicodeDecodeError. Played in a child so a regression fails the
    test (timeout, signal) instead of killing pytest."""
    import os
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-c", HOSTILE_PLAY], capture_output=True, text=True,
                            timeout=540, env={**os.environ, "AGENTRL_CACHE": str(tw_cache)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "played 306"
