"""A prompt the policy cannot render errors its own episode, not the whole batch."""

from __future__ import annotations

import pytest

from agentrl.core.types import Observation, Task
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.policy.hf import HFPolicy
from agentrl.rollout.runner import RolloutOptions, RolloutRunner


class ProgramMessagesCorridor(CorridorEnv):
    """The corridor, whose task 'parts' shows the model messages with content as a list of
    parts (what some agent frameworks send), which the tiny model's chat template rejects."""

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        observation = super().reset(task, seed=seed)
        if task is not None and task.id == "parts":
            content = [{"type": "text", "text": observation.text}]
            return observation.model_copy(update={"messages": [
                {"role": "user", "content": content}]})
        return observation


def task(name: str) -> Task:
    return Task(id=name, env_id="toy/corridor", instruction=f"Task-{name}.",
                metadata={"length": 2})


@pytest.fixture(scope="module")
def tiny() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


def test_an_unrenderable_prompt_errors_only_its_episode(tiny: HFPolicy) -> None:
    runner = RolloutRunner(ProgramMessagesCorridor, tiny, RolloutOptions(group_size=2))
    runner.options.sampling.max_new_tokens = 4
    trajectories = runner.run([task("plain"), task("parts")], seed=0)
    by_task = {t.task.id: [] for t in trajectories}
    for trajectory in trajectories:
        by_task[trajectory.task.id].append(trajectory)
    assert all(t.errored and "policy failed: TypeError" in (t.error or "")
               for t in by_task["parts"])
    assert all(not t.errored and t.turns for t in by_task["plain"])


def test_a_policy_that_fails_on_every_prompt_still_raises(tiny: HFPolicy) -> None:
    runner = RolloutRunner(ProgramMessagesCorridor, tiny, RolloutOptions(group_size=2))
    runner.options.sampling.max_new_tokens = 4
    with pytest.raises(TypeError):
        runner.run([task("parts")], seed=0)
