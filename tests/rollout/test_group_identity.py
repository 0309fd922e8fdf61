"""Groups go by identity, never by position; every turn carries the policy version that
sampled it.

A batch comes from the real runner (corridor env, tabular softmax policy); shuffling it —
as asynchronous rollouts finishing out of order would — must change no estimator's advantage,
no dynamic-sampling decision and no rank gather.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from agentrl.core.types import GroupKey, Task, Trajectory
from agentrl.credit import get_advantage, list_advantages
from agentrl.environments.toy.corridor import CorridorEnv
from agentrl.parallel import gather_groups
from agentrl.policy.tabular import TabularPolicy
from agentrl.rollout.dynamic_sampling import DynamicSamplingOptions, collect_groups
from agentrl.rollout.runner import RolloutOptions, RolloutRunner

GROUP_SIZE = 3


def corridor_tasks() -> list[Task]:
    """Three tasks, the first drawn twice: its two draws are two groups."""
    tasks = [Task(id=f"t{i}", env_id="toy/corridor", ground_truth="right",
                  metadata={"length": 1 + i}) for i in range(3)]
    return [tasks[0], tasks[1], tasks[2], tasks[0]]


class ShufflingRunner(RolloutRunner):
    """A real runner whose episodes come back in a seeded random order (as they would
    finish under asynchronous rollouts)."""

    def __init__(self, order_seed: int | None, **kwargs: object) -> None:
        super().__init__(lambda: CorridorEnv(max_turns=4), TabularPolicy(),
                         RolloutOptions(group_size=GROUP_SIZE, workers=2), **kwargs)
        self.order = random.Random(order_seed)
        self.shuffle = order_seed is not None

    def run(self, tasks: list[Task], **kwargs: object) -> list[Trajectory]:  # type: ignore[override]
        """`RolloutRunner.run`, its result shuffled when an order seed was given."""
        batch = super().run(tasks, **kwargs)  # type: ignore[arg-type]
        if self.shuffle:
            self.order.shuffle(batch)
        return batch


@pytest.fixture(scope="module")
def batch() -> list[Trajectory]:
    runner = ShufflingRunner(None)
    try:
        trajectories = runner.run(corridor_tasks(), seed=5, group_prefix="it0/",
                                  progress=False)
    finally:
        runner.close()
    for trajectory in trajectories:  # what the trainer writes before the estimators run
        for index, turn in enumerate(trajectory.turns):
            turn.info |= {"value": 0.25 * index - 0.1 * trajectory.outcome_reward,
                          "kl": 0.01 * (index + 1),
                          "token_kl": [0.01 * (index + 1)] * len(turn.action_ids)}
    return trajectories


def test_the_runner_sets_group_identity_and_repetition(batch: list[Trajectory]) -> None:
    keys = [(t.group.task_id, t.group.repetition, t.group.scope) if t.group else None
            for t in batch]
    expected = [("t0", 0, "it0/"), ("t1", 0, "it0/"), ("t2", 0, "it0/"), ("t0", 1, "it0/")]
    assert keys == [k for k in expected for _ in range(GROUP_SIZE)]
    assert [t.group_id for t in batch[::GROUP_SIZE]] == ["it0/t0", "it0/t1", "it0/t2",
                                                          "it0/t0#1"]
    assert [t.member for t in batch] == list(range(GROUP_SIZE)) * 4
    outcomes = {t.outcome_reward for t in batch}
    assert outcomes == {0.0, 1.0}, "the toy batch must hold both outcomes to test anything"


@pytest.mark.parametrize("name", list_advantages())
def test_shuffling_a_batch_changes_no_advantage(name: str, batch: list[Trajectory]) -> None:
    estimator = get_advantage(name)
    plain = estimator([t.model_copy(deep=True) for t in batch])
    order = list(range(len(batch)))
    random.Random(3).shuffle(order)
    shuffled = estimator([batch[i].model_copy(deep=True) for i in order])
    back = [None] * len(batch)
    for position, original in enumerate(order):
        back[original] = shuffled[position]
    assert [len(row) for row in back] == [len(row) for row in plain]
    flat = [a for row in plain for a in row]
    assert [a for row in back for a in row] == pytest.approx(flat, rel=1e-12, abs=1e-12)
    assert any(a != 0.0 for row in plain for a in row), f"{name}: all zero, tests nothing"


def _collect(order_seed: int | None, enabled: bool) -> tuple[list[Trajectory], dict]:
    runner = ShufflingRunner(order_seed)
    try:
        return collect_groups(runner, corridor_tasks(), seed=5, group_prefix="it0/",
                              progress=False,
                              options=DynamicSamplingOptions(enabled=enabled, max_rounds=4))
    finally:
        runner.close()


def _record(batch: list[Trajectory]) -> list[tuple]:
    return sorted((t.group_id, t.outcome_reward, tuple(turn.action for turn in t.turns))
                  for t in batch)


@pytest.mark.parametrize("enabled", [False, True])
def test_shuffling_changes_no_dynamic_sampling_decision(enabled: bool) -> None:
    plain, plain_metrics = _collect(None, enabled)
    for order_seed in (1, 2):
        shuffled, metrics = _collect(order_seed, enabled)
        assert metrics == plain_metrics
        assert [t.group_id for t in shuffled] == [t.group_id for t in plain]  # task-major
        assert _record(shuffled) == _record(plain)
    if enabled:
        assert plain_metrics["rollout/resampled_groups"] > 0, "nothing resampled: no test"


def test_rank_gather_groups_by_identity_in_the_batch_order(batch: list[Trajectory]) -> None:
    keys = GroupKey.for_tasks(corridor_tasks(), "it0/")
    ranks = [batch[0::2], batch[1::2]]  # members of one group split over ranks, out of order
    for part in ranks:
        random.Random(len(part)).shuffle(part)
    gathered = gather_groups(ranks, keys)
    assert [t.group_id for t in gathered] == [t.group_id for t in batch]
    assert sorted(map(id, gathered)) == sorted(map(id, batch))
    with pytest.raises(ValueError, match="without members"):
        gather_groups([batch[:GROUP_SIZE]], keys)
    with pytest.raises(ValueError, match="not in the batch"):
        gather_groups([batch], keys[:2])


def test_group_key_ids_and_validation() -> None:
    task = Task(id="a", env_id="x")
    keys = GroupKey.for_tasks([task, Task(id="b", env_id="x"), task], "it2/")
    assert [(k.repetition, k.group_id) for k in keys] == [(0, "it2/a"), (0, "it2/b"),
                                                          (1, "it2/a#1")]
    assert Trajectory(task=task, group=keys[2]).group_id == "it2/a#1"
    with pytest.raises(ValueError, match="is not the trajectory's task id"):
        Trajectory(task=task, group=keys[1])
    with pytest.raises(ValueError, match="disagrees with its group"):
        Trajectory(task=task, group=keys[0], group_id="other")


def test_json_round_trip_is_lossless(batch: list[Trajectory]) -> None:
    for trajectory in batch:
        again = Trajectory.model_validate_json(trajectory.model_dump_json())
        assert again == trajectory and again.group == trajectory.group


def test_old_format_json_loads() -> None:
    """A line as rollouts.jsonl held it before groups had an identity and turns a version."""
    old = {"task": {"id": "t0", "env_id": "toy/corridor", "split": "train", "instruction": "",
                    "ground_truth": None, "metadata": {"length": 1}},
           "turns": [{"observation": {"text": "cell 0", "images": [], "available_actions": None,
                                      "tools": None, "state_key": "k0"},
                      "prompt_messages": None, "prompt_ids": [1], "prompt_images": [],
                      "action": "right", "response": "<action>right</action>",
                      "action_ids": [7], "action_logprobs": [-0.5], "reward": 1.0, "info": {},
                      "state_key": "k0", "advantage": 0.5}],
           "outcome_reward": 1.0, "step_rewards_include_outcome": True, "success": True,
           "errored": False, "error": None, "truncated": False, "group_id": "it3/t0",
           "started_at": 1.0, "wall_time_s": 0.1, "final_observation": None}
    trajectory = Trajectory.model_validate_json(json.dumps(old))
    assert trajectory.group is None and trajectory.group_id == "it3/t0"
    assert trajectory.member is None and trajectory.turns[0].policy_version == 0
    dumped = trajectory.model_dump()
    assert dumped.pop("group") is None and dumped["turns"][0].pop("policy_version") == 0
    assert dumped.pop("member") is None
    assert dumped["turns"][0]["observation"].pop("messages") is None  # added since, too
    assert dumped["turns"][0].pop("token_versions") is None  # added since: one version
    assert dumped == old  # nothing else added, nothing lost


def test_every_turn_of_a_two_iteration_run_carries_its_sampling_version(tmp_path: Path) -> None:
    from agentrl.run.loop import train

    recipe = {
        "name": "versions", "seed": 4, "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama", "cpu_threads": 1},
        "rollout": {"group_size": 2, "lenient_parsing": True, "workers": 1,
                    "sampling": {"max_new_tokens": 4}},
        "algorithm": {"advantage": "grpo"},
        "optim": {"lr": 1e-3, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": 2, "tasks_per_iteration": 2},
        "eval": {"num_tasks": 1},
        "logging": {"run_dir": str(tmp_path), "tensorboard": False, "progress": False},
    }
    run = train(recipe)
    rollouts = [Trajectory.model_validate_json(line)
                for line in (run / "rollouts.jsonl").read_text().splitlines()]
    versions = {}
    for trajectory in rollouts:
        assert trajectory.group is not None and trajectory.turns
        iteration = int(trajectory.group.scope.removeprefix("it").rstrip("/"))
        versions.setdefault(iteration, set()).update(t.policy_version for t in trajectory.turns)
    assert versions == {0: {0}, 1: {1}}
