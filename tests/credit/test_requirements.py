"""Requirement checks: what each estimator needs, and the errors when data lacks it."""

import pytest

from agentrl.core.registry import make
from agentrl.core.registry_base import UnknownNameError
from agentrl.core.types import Task
from agentrl.credit.advantages import (
    RequirementError,
    check_tasks,
    check_trajectories,
    requirements,
    unmet_requirements,
)
from agentrl.environments.toy.corridor import CorridorEnv


def test_requirement_names_per_estimator():
    assert requirements("igpo") == {"ground_truth"}
    assert requirements("gigpo") == {"state_key"}
    assert requirements("salt") == {"state_key"}
    assert requirements("gae") == {"values"}
    assert requirements("spa") == {"values"}  # the paper's PPO: mode gae is the default
    assert requirements("spa", mode="group_returns") == set()
    assert requirements("grpo") == set()
    assert requirements("reinforce++") == set()
    assert requirements("reinforce++", kl_coef=0.1) == {"kl"}


def test_igpo_on_tasks_without_ground_truth_is_a_clear_error():
    tasks = [Task(id="t1", env_id="toy", ground_truth="42"), Task(id="t2", env_id="toy")]
    with pytest.raises(RequirementError, match=r"'igpo'.*1 of 2 tasks have no ground_truth \(t2\)"):
        check_tasks("igpo", tasks)
    check_tasks("igpo", tasks[:1])
    check_tasks("grpo", tasks)


def test_gigpo_on_constant_state_key_is_a_clear_error(traj):
    batch = [traj("g", 1.0, keys=["same", "same"]), traj("g", 0.0, keys=["same"])]
    with pytest.raises(RequirementError, match="same state_key 'same'"):
        check_trajectories("gigpo", batch)
    check_trajectories("gigpo", [traj("g", 1.0, keys=["a", "b"])])
    check_trajectories("grpo", batch)


def test_missing_values_and_ground_truth_are_all_reported(traj):
    batch = [traj("g", 1.0, n=2)]
    message = r"turn 0 of task 'task-g' has no turn.info\['value'\]"
    with pytest.raises(RequirementError, match=message):
        check_trajectories("gae", batch)
    with pytest.raises(RequirementError, match="no ground_truth"):
        check_trajectories("igpo", batch)
    check_trajectories("gae", [traj("g", 1.0, values=[0.1, 0.2])])
    with pytest.raises(RequirementError, match=r"turn 0 of task 'task-g' has no turn.info\['kl'\]"):
        check_trajectories("reinforce++", batch, kl_coef=0.1)
    check_trajectories("reinforce++", batch)


def test_preflight_on_the_toy_corridor_env():
    env = make("toy/corridor")
    try:
        problems = unmet_requirements(["igpo", "gigpo", "grpo", "format"], env, "train")
        assert len(problems) == 1
        assert problems[0].startswith("igpo on split 'train': 8 of 8 tasks have no ground_truth")
        assert unmet_requirements(["salt", "gated"], env, "train") == []
        with pytest.raises(UnknownNameError, match="'sallt' is neither"):
            unmet_requirements(["sallt"], env, "train")
    finally:
        env.close()


class _BlankKeyCorridor(CorridorEnv):
    def reset(self, task=None, *, seed=None):
        return super().reset(task, seed=seed).model_copy(update={"state_key": ""})


def test_preflight_flags_an_env_without_state_key():
    env = _BlankKeyCorridor()
    try:
        (problem,) = unmet_requirements(["gigpo"], env, "train")
        assert "empty state_key on reset" in problem
    finally:
        env.close()
