"""Many ALFWorld envs reset and step at once from threads, as the rollout runner does."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import agentrl

pytestmark = pytest.mark.slow


def test_envs_reset_and_step_concurrently_from_threads():
    kwargs = {"num_tasks": 12, "max_turns": 4, "task_types": ["pick_and_place_simple"]}
    envs = [agentrl.make("alfworld", **kwargs) for _ in range(6)]
    tasks = envs[0].tasks("train")
    with ThreadPoolExecutor(6) as pool:
        observations = list(pool.map(lambda i: envs[i].reset(tasks[i % len(tasks)], seed=i),
                                     range(6)))
        results = list(pool.map(lambda i: envs[i].step(observations[i].available_actions[0]),
                                range(6)))
    for env in envs:
        env.close()
    assert all(o.text.startswith("You are in the middle of a room") for o in observations)
    assert all(r.info["action_valid"] for r in results)
