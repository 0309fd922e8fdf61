"""rollout.env_workers: ray — every env in a real Ray actor (one local Ray, 2 CPUs, for the
module): the same trajectories as threads, a killed or hung actor errors its episode only
and is replaced, and no actor outlives the runner."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import pytest

import agentrl
from agentrl.core.env import EnvError
from agentrl.core.ray_env import RayEnv
from agentrl.core.types import Task, Trajectory
from agentrl.policy.base import Generation, Messages, SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.rollout.runner import RolloutRunner
from agentrl.run.preflight import env_factory
from agentrl.run.recipe import load_recipe

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module", autouse=True)
def ray_session() -> Any:
    # The actors import tests/rollout/hanging_env.py, so they get this folder on their path.
    ray.init(num_cpus=2, include_dashboard=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(HERE)}})
    yield
    ray.shutdown()


def live_actors(wait_s: float = 20.0) -> list[str]:
    """Ids of the actors not DEAD, once none are left or ``wait_s`` has passed (a kill is
    asynchronous)."""
    deadline = time.monotonic() + wait_s
    while True:
        alive = [actor_id for actor_id, actor in ray._private.state.actors().items()
                 if actor["State"] != "DEAD"]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)


def corridor(name: str, length: int) -> Task:
    return Task(id=name, env_id="toy/corridor", instruction=f"Task-{name}.",
                metadata={"length": length})


def runner_for(policy: Any, env_workers: str, **rollout: Any) -> RolloutRunner:
    recipe = load_recipe({"env": {"id": "toy/corridor", "kwargs": {"max_turns": 3}},
                          "rollout": {"env_workers": env_workers, **rollout}})
    return RolloutRunner(env_factory(recipe, timeout_s=recipe.rollout.step_timeout_s), policy,
                         recipe.rollout)


def content(trajectories: list[Trajectory]) -> list[dict[str, Any]]:
    return [t.model_dump(exclude={"started_at", "wall_time_s"}) for t in trajectories]


def test_ray_actors_give_the_same_trajectories_as_threads_under_a_greedy_policy() -> None:
    policy = HFPolicy.from_name("tiny:llama")
    rollout = {"group_size": 1, "lenient_parsing": True,
               "sampling": {"temperature": 0.0, "max_new_tokens": 4}}
    tasks = [corridor("a", 1), corridor("b", 2)]
    trajectories = {}
    for workers in ("threads", "ray"):
        runner = runner_for(policy, workers, **rollout)
        try:
            trajectories[workers] = runner.run(tasks, seed=3, progress=False)
            if workers == "ray":
                pids = {ray.get(env.actor.__ray_call__.remote(lambda host: __import__("os")
                                                              .getpid())) for env in runner._envs}
        finally:
            runner.close()
    assert not any(t.errored for t in trajectories["ray"])
    assert content(trajectories["ray"]) == content(trajectories["threads"])
    assert [len(t.turns) for t in trajectories["ray"]] == [3, 3]  # random text never wins
    assert len(pids) == 2  # one actor process per env
    assert live_actors() == []  # close() killed them all


class RightPolicy:
    """Replies 'right' to every conversation."""

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: Any = None) -> list[Generation]:
        return [Generation(text="<action>right</action>", prompt_ids=[1], token_ids=[2],
                           logprobs=[0.0]) for _ in batch]


class KillingPolicy(RightPolicy):
    """`RightPolicy` that kills the actor of episode 0 before its second batch."""

    def __init__(self) -> None:
        self.runner: RolloutRunner | None = None
        self.calls = 0

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: Any = None) -> list[Generation]:
        self.calls += 1
        if self.calls == 2:
            assert self.runner is not None
            kill_and_wait(self.runner._envs[0].actor)
        return super().generate(batch, sampling, tools=tools)


def kill_and_wait(actor: Any, wait_s: float = 20.0) -> None:
    """`ray.kill` the actor and return once a call to it fails: the kill is asynchronous, and
    on a slow machine the next step() could otherwise still reach the live process."""
    ray.kill(actor)
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        try:
            ray.get(actor.__ray_call__.remote(lambda host: None), timeout=wait_s)
        except ray.exceptions.RayError:
            return
        time.sleep(0.1)
    raise AssertionError(f"the actor was still answering {wait_s:.0f} s after ray.kill")


def test_a_killed_actor_errors_only_its_episode_and_the_next_episode_gets_a_fresh_one() -> None:
    policy = KillingPolicy()
    runner = runner_for(policy, "ray", group_size=2)
    policy.runner = runner
    try:
        first = runner.run([corridor("c", 3)], seed=0, progress=False)
        assert [t.errored for t in first] == [True, False]
        assert "step failed: EnvError: env actor died during step()" in first[0].error
        assert len(first[0].turns) == 1  # the turn before the kill was recorded
        assert first[1].success and len(first[1].turns) == 3
        second = runner.run([corridor("c", 3)], seed=1, progress=False)
        assert [t.errored for t in second] == [False, False]
        assert all(t.success and len(t.turns) == 3 for t in second)
    finally:
        runner.close()
    assert live_actors() == []


def test_close_envs_frees_the_actors_resources_for_the_next_runner() -> None:
    # Two actors of one CPU each fill the 2-CPU Ray; an eval's runner gets them back only
    # once the training runner has closed its envs (as train() does before each eval).
    options = {"group_size": 2, "step_timeout_s": 30, "ray_actor_options": {"num_cpus": 1}}
    training = runner_for(RightPolicy(), "ray", **options)
    try:
        assert not any(t.errored for t in training.run([corridor("d", 1)], progress=False))
        training.close_envs()
        evaluation = runner_for(RightPolicy(), "ray", **options)
        try:
            trajectories = evaluation.run([corridor("d", 1)], progress=False)
            assert [t.errored for t in trajectories] == [False, False], trajectories[0].error
        finally:
            evaluation.close()
        assert not any(t.errored for t in training.run([corridor("d", 1)], progress=False))
    finally:
        training.close()
    assert live_actors() == []


def test_a_hung_actor_is_killed_after_the_step_limit_and_replaced_on_reset() -> None:
    env = RayEnv(partial(agentrl.make, "hanging_env:HangingCorridor"), timeout_s=3.0)
    try:
        task = env.tasks("train")[0]  # length 1
        env.reset(task)
        hung = env.actor
        started = time.monotonic()
        with pytest.raises(EnvError, match=r"env step\(\) took longer than 3.0s; actor killed"):
            env.step("hang")
        assert time.monotonic() - started < 20  # not the 60 s of the sleep
        assert env.actor is None
        assert env.reset(task).text.endswith("You are at cell 0.")
        assert env.step("right").info["success"]
        assert env.actor is not hung
    finally:
        env.close()
        env.close()  # idempotent
    assert live_actors() == []


def test_an_actor_asking_for_resources_nobody_has_fails_to_start_naming_them() -> None:
    with pytest.raises(EnvError, match=r"env actor did not start within 2.0s; it asks for "
                                       r"\{'num_gpus': 1\}"):
        RayEnv(partial(agentrl.make, "toy/corridor"), startup_timeout_s=2.0,
               actor_options={"num_gpus": 1})
    assert live_actors() == []
