"""The lockstep rollout runner: batching, groups, failures, timeouts, limits, seeding, I/O."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import agentrl
from agentrl.core.types import Task, Trajectory
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.policy.base import Generation, Messages, SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.rollout.runner import RolloutOptions, RolloutRunner
from agentrl.rollout.writer import TrajectoryWriter, read_trajectories


def corridor_task(name: str, length: int, **metadata: Any) -> Task:
    return Task(id=name, env_id="toy/corridor", instruction=f"Task-{name}.",
                metadata={"length": length, **metadata})


class ScriptedPolicy:
    """Answers 'right' (or ``replies[instruction]``); records each call's batch size."""

    def __init__(self, replies: dict[str, str] | None = None) -> None:
        self.replies = replies or {}
        self.batch_sizes: list[int] = []
        self.seeds: list[int | None] = []

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: Any = None) -> list[Generation]:
        self.batch_sizes.append(len(batch))
        self.seeds.append(sampling.seed)
        out = []
        for messages in batch:
            said = " ".join(m["content"] for m in messages if m["role"] == "user")
            text = next((reply for key, reply in self.replies.items() if key in said),
                        "<action>right</action>")
            out.append(Generation(text=text, prompt_ids=[1, len(messages)], token_ids=[7, 8],
                                  logprobs=[-0.5, -0.25]))
        return out

    def score(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


class CountingPolicy:
    """Wraps a real policy and records the batch size of each generate call."""

    def __init__(self, policy: HFPolicy) -> None:
        self.policy = policy
        self.batch_sizes: list[int] = []

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: Any = None) -> list[Generation]:
        self.batch_sizes.append(len(batch))
        return self.policy.generate(batch, sampling, tools=tools)


class FaultyCorridor(CorridorEnv):
    """A corridor whose task metadata asks it to crash or hang; counts its steps."""

    steps: dict[str, int] = {}
    release = threading.Event()  # a hanging step waits for this, however long the timeout

    def reset(self, task: Task | None = None, *, seed: int | None = None) -> Any:
        if task is not None and task.metadata.get("fault") == "reset":
            raise RuntimeError("reset exploded")
        return super().reset(task, seed=seed)

    def step(self, action: str) -> Any:
        assert self._task is not None
        FaultyCorridor.steps[self._task.id] = FaultyCorridor.steps.get(self._task.id, 0) + 1
        fault = self._task.metadata.get("fault")
        if fault == "raise":
            raise RuntimeError("step exploded")
        if fault == "hang":
            FaultyCorridor.release.wait()
        return super().step(action)


def run(policy: Any, tasks: list[Task], make_env: Callable[[], Any] | None = None,
        **options: Any) -> list[Trajectory]:
    group_size = options.pop("group_size", 2)
    on_finish = options.pop("on_finish", None)
    runner = RolloutRunner(make_env or (lambda: agentrl.make("toy/corridor", max_turns=5)),
                           policy, RolloutOptions(group_size=group_size, **options),
                           on_finish=on_finish)
    try:
        return runner.run(tasks, seed=100, progress=False)
    finally:
        runner.close()


TASKS = [corridor_task("a", 1), corridor_task("b", 2), corridor_task("c", 3)]


def test_one_batched_call_per_turn_shrinking_as_episodes_finish() -> None:
    policy = ScriptedPolicy()
    trajectories = run(policy, TASKS)
    # 3 tasks x 2 = 6 prompts; 'a' ends after 1 step, 'b' after 2, 'c' after 3.
    assert policy.batch_sizes == [6, 4, 2]
    assert policy.seeds == [100, 101, 102]
    assert [len(t.turns) for t in trajectories] == [1, 1, 2, 2, 3, 3]
    assert all(t.success and t.outcome_reward == 1.0 and not t.truncated for t in trajectories)


def test_groups_share_group_id_and_turns_carry_tokens_and_state() -> None:
    trajectories = run(ScriptedPolicy(), TASKS)
    assert [t.group_id for t in trajectories] == ["a", "a", "b", "b", "c", "c"]
    turn = trajectories[4].turns[1]
    assert turn.prompt_ids == [1, 4]  # system, user, assistant, user
    assert turn.action_ids == [7, 8]
    assert turn.action_logprobs == [-0.5, -0.25]
    assert turn.action == "right"
    assert turn.state_key == turn.observation.state_key != ""
    assert trajectories[4].turns[0].state_key != turn.state_key  # cell 0 vs cell 1


def test_env_that_raises_errors_only_its_episode() -> None:
    tasks = [corridor_task("ok", 2), corridor_task("bad", 2, fault="raise")]
    trajectories = run(ScriptedPolicy(), tasks, make_env=FaultyCorridor)
    ok, ok2, bad, bad2 = trajectories
    assert ok.success and ok2.success and not ok.errored
    assert bad.errored and bad2.errored
    assert bad.error == "step failed: RuntimeError: step exploded"
    assert bad.turns == []


def test_env_that_hangs_past_step_timeout_errors_only_its_episode() -> None:
    tasks = [corridor_task("ok", 1), corridor_task("slow", 1, fault="hang")]
    FaultyCorridor.release.clear()
    try:
        trajectories = run(ScriptedPolicy(), tasks, make_env=FaultyCorridor, group_size=1,
                           step_timeout_s=2.0)
    finally:
        FaultyCorridor.release.set()  # let the abandoned worker thread finish
    ok, slow = trajectories
    assert ok.success and not ok.errored
    assert slow.errored and slow.error == "step failed: env call timed out after 2.0s"


def test_crashing_reset_errors_its_episode() -> None:
    policy = ScriptedPolicy()
    tasks = [corridor_task("ok", 1), corridor_task("broken", 1, fault="reset")]
    ok, broken = run(policy, tasks, make_env=FaultyCorridor, group_size=1)
    assert ok.success
    assert broken.errored and broken.error == "reset failed: RuntimeError: reset exploded"
    assert policy.batch_sizes == [1]


def test_malformed_reply_is_an_invalid_turn_and_env_is_not_stepped() -> None:
    FaultyCorridor.steps.clear()
    tasks = [corridor_task("mute", 1), corridor_task("ok", 1)]
    policy = ScriptedPolicy({"Task-mute.": "I will not use tags"})
    mute, ok = run(policy, tasks, make_env=FaultyCorridor, group_size=1, max_turns=3)
    assert FaultyCorridor.steps == {"ok": 1}
    assert ok.success
    assert len(mute.turns) == 3 and mute.truncated and not mute.errored and not mute.success
    for turn in mute.turns:
        assert turn.info == {"action_valid": False,
                             "parse_error": "no <action>...</action> in the reply"}
        assert turn.action == ""
    assert mute.turns[1].observation.text.startswith("Invalid reply: no <action>")


def test_max_turns_option_overrides_the_env_limit() -> None:
    never = ScriptedPolicy({"Task-far.": "<action>left</action>"})
    (trajectory,) = run(never, [corridor_task("far", 3)], group_size=1, max_turns=2)
    assert len(trajectory.turns) == 2
    assert trajectory.truncated and not trajectory.success and trajectory.outcome_reward == 0.0


def test_on_finish_writes_jsonl_in_finish_order(tmp_path: Path) -> None:
    path = tmp_path / "out" / "rollouts.jsonl"
    writer = TrajectoryWriter(path)
    tasks = [corridor_task("c", 3), corridor_task("a", 1), corridor_task("b", 2)]
    try:
        run(ScriptedPolicy(), tasks, group_size=1, on_finish=writer)
    finally:
        writer.close()
    assert [t.task.id for t in read_trajectories(path)] == ["a", "b", "c"]
    with path.open("a") as file:  # a run killed mid-write leaves a torn line
        file.write('{"task": {"id": "d", "env_')
    assert [t.task.id for t in read_trajectories(path)] == ["a", "b", "c"]


def test_corrupt_line_in_the_middle_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("{not json}\n")
    with pytest.raises(ValueError):
        list(read_trajectories(path))


@pytest.fixture(scope="module")
def tiny() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


def _rollout_with_model(policy: Any, seed: int) -> list[Trajectory]:
    runner = RolloutRunner(
        lambda: agentrl.make("toy/corridor", max_turns=2), policy,
        RolloutOptions(group_size=2, lenient_parsing=True,
                       sampling=SamplingParams(max_new_tokens=4)),
    )
    try:
        return runner.run(TASKS, seed=seed, progress=False)
    finally:
        runner.close()


def test_real_model_rollout_batches_all_envs_and_records_its_tokens(tiny: HFPolicy) -> None:
    counting = CountingPolicy(tiny)
    trajectories = _rollout_with_model(counting, seed=0)
    assert counting.batch_sizes == [6, 6]  # random text never reaches the exit
    for trajectory in trajectories:
        assert len(trajectory.turns) == 2
        for turn in trajectory.turns:
            assert trajectory.task.instruction in tiny.tokenizer.decode(turn.prompt_ids)
            assert len(turn.action_ids) == len(turn.action_logprobs) == 4
            assert turn.state_key


@pytest.mark.slow
def test_same_seed_gives_identical_trajectories(tiny: HFPolicy) -> None:
    def content(trajectories: list[Trajectory]) -> list[dict[str, Any]]:
        return [t.model_dump(exclude={"started_at", "wall_time_s"}) for t in trajectories]

    first = content(_rollout_with_model(tiny, seed=5))
    second = content(_rollout_with_model(tiny, seed=5))
    other = content(_rollout_with_model(tiny, seed=6))
    assert first == second
    assert first != other
