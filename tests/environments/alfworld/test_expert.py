"""ALFWorld's hand-coded expert solves generated tasks of every type in every split."""

from __future__ import annotations

import pytest

from agentrl.environments.alfworld.catalog import TASK_TYPES


def run_expert(env, task, seed=0):
    env.reset(task, seed=seed)
    commands = []
    while True:
        commands.append(env.expert_action())
        result = env.step(commands[-1])
        if result.terminated or result.truncated:
            return result, commands


@pytest.mark.slow
@pytest.mark.parametrize("split", ["train", "valid_seen", "valid_unseen", "heldout"])
def test_expert_solves_one_task_of_each_type(alf_env, split):
    tasks = alf_env.tasks(split)
    assert [t.metadata["task_type"] for t in tasks] == list(TASK_TYPES)
    for task in tasks:
        result, commands = run_expert(alf_env, task)
        assert result.info["success"], f"{task.id}: expert failed after {commands}"
        assert result.info["outcome_reward"] == 1.0


@pytest.mark.slow
def test_expert_is_deterministic_under_a_seed(alf_env):
    task = alf_env.tasks("train")[5]  # pick two: the longest search
    assert run_expert(alf_env, task, seed=7)[1] == run_expert(alf_env, task, seed=7)[1]


@pytest.mark.slow
def test_demonstration_is_the_expert_play_and_replays_to_success(alf_env):
    task = alf_env.tasks("train")[0]
    actions = alf_env.demonstration(task)
    assert actions == run_expert(alf_env, task)[1]
    alf_env.reset(task, seed=3)  # the engine does not depend on the seed
    results = [alf_env.step(action) for action in actions]
    assert results[-1].terminated and results[-1].info["success"]
