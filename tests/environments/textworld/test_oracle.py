"""The oracle's walkthrough wins generated games through TextWorldEnv."""

from __future__ import annotations

import pytest

from agentrl.core.types import STANDARD_SPLITS
from agentrl.environments.textworld.env import TextWorldEnv
from agentrl.environments.textworld.oracle import oracle_actions, play_oracle


def assert_oracle_wins(env: TextWorldEnv, task) -> None:
    steps = play_oracle(env, task)
    assert len(steps) == len(oracle_actions(task))
    assert steps[-1].terminated and steps[-1].info["success"]
    assert steps[-1].info["outcome_reward"] == 1.0
    assert all(s.info["action_valid"] for s in steps)
    # Rewards are score deltas / max_score: a won game sums to 1.
    assert sum(s.reward for s in steps) == pytest.approx(1.0)


@pytest.mark.parametrize("split", STANDARD_SPLITS)
def test_oracle_wins_every_easy_task_of_each_split(easy_env, split):
    for task in easy_env.tasks(split):
        assert_oracle_wins(easy_env, task)


def test_oracle_reads_the_handmade_walkthrough(handmade_task):
    walkthrough = ["take apple from chest", "go east", "put apple on table"]
    assert oracle_actions(handmade_task) == walkthrough


@pytest.mark.slow
@pytest.mark.parametrize("difficulty", ["medium", "hard"])
def test_oracle_wins_a_harder_game(tw_cache, difficulty):
    env = TextWorldEnv(difficulty=difficulty, tasks_per_split=1)
    (task,) = env.tasks("heldout")
    assert env.spec.max_turns >= len(oracle_actions(task)) >= 3
    assert_oracle_wins(env, task)
    env.close()


def test_demonstration_replays_the_walkthrough_to_a_win(easy_env):
    for task in easy_env.tasks("train"):
        actions = easy_env.demonstration(task)
        assert actions == oracle_actions(task)
        easy_env.reset(task)
        results = [easy_env.step(action) for action in actions]
        assert results[-1].terminated and results[-1].info["success"]
