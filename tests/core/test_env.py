"""The `Env` base class's optional hooks: demonstrations."""

from __future__ import annotations

from collections.abc import Sequence

from agentrl.core.env import Env, digest_state
from agentrl.core.types import EnvSpec, Observation, StepResult, Task
from agentrl.environments.toy.corridor import CorridorEnv


class NoExpert(Env):
    spec = EnvSpec(id="no-expert")

    def tasks(self, split: str) -> Sequence[Task]:
        return [Task(id="only", env_id="no-expert", split=split)]

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Observation:
        return Observation(text="", state_key=digest_state())

    def step(self, action: str) -> StepResult:
        return StepResult(observation=Observation(text="", state_key=digest_state()))


def test_an_env_without_an_expert_has_no_demonstration() -> None:
    env = NoExpert()
    assert env.demonstration(env.tasks("train")[0]) is None


def test_corridor_demonstration_walks_right_to_the_exit_on_every_task() -> None:
    env = CorridorEnv()
    for task in env.tasks("train"):
        actions = env.demonstration(task)
        assert actions == ["right"] * task.metadata["length"]
        env.reset(task)
        results = [env.step(action) for action in actions]
        assert results[-1].terminated and results[-1].info["success"]
