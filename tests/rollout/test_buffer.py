"""The episode buffer: batches by index, whole groups kept or dropped by staleness, the
staleness histogram counted by hand, and the save / load round trip."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from agentrl.core.types import GroupKey, Observation, Task, Trajectory, Turn
from agentrl.rollout.buffer import (
    Batch,
    EpisodeBuffer,
    fresh_groups,
    load_batches,
    save_batches,
    staleness_metrics,
)


def _episode(task: str, member: int, versions: list[int]) -> Trajectory:
    turns = [Turn(observation=Observation(text="o", state_key="s"), action_ids=[1],
                  policy_version=v) for v in versions]
    return Trajectory(task=Task(id=task, env_id="toy"), turns=turns,
                      group=GroupKey(task_id=task, scope="it3/"), member=member)


def test_a_group_with_one_member_too_old_is_dropped_whole() -> None:
    batch = [_episode("a", 0, [3, 3]), _episode("a", 1, [1, 3]),  # a: oldest turn 2 old
             _episode("b", 0, [2, 3]), _episode("b", 1, [3])]     # b: oldest 1 old
    kept, dropped = fresh_groups(batch, version=3, max_staleness=1)
    assert [(t.task.id, t.member) for t in kept] == [("b", 0), ("b", 1)]
    assert dropped == 1
    kept, dropped = fresh_groups(batch, version=3, max_staleness=2)
    assert len(kept) == 4 and dropped == 0


def test_staleness_histogram_counts_turns_by_age() -> None:
    # turns at versions 3, 3, 2, 3 trained at version 3: ages 0, 0, 1, 0
    batch = [_episode("a", 0, [3, 3]), _episode("a", 1, [2, 3])]
    metrics = staleness_metrics(batch, version=3, max_staleness=2)
    assert metrics["async/staleness_0"] == 3 / 4
    assert metrics["async/staleness_1"] == 1 / 4
    assert metrics["async/staleness_2"] == 0.0
    assert metrics["async/staleness_mean"] == 1 / 4
    assert metrics["async/staleness_max"] == 1.0
    assert metrics["async/partial_episodes"] == 1 / 2  # member 1 spans versions 2 and 3
    assert metrics["async/partial_turns"] == 0.0


def test_a_turn_resumed_under_new_weights_is_aged_by_its_oldest_token() -> None:
    # member 0: one turn started at version 2, its last two tokens sampled by version 3
    resumed = _episode("a", 0, [2])
    resumed.turns[0].action_ids = [1, 2, 3]
    resumed.turns[0].token_versions = [2, 3, 3]
    batch = [resumed, _episode("a", 1, [3, 3])]
    metrics = staleness_metrics(batch, version=3, max_staleness=1)
    assert metrics["async/staleness_1"] == 1 / 3  # ages 1, 0, 0
    assert metrics["async/staleness_max"] == 1.0
    assert metrics["async/partial_episodes"] == 1 / 2
    assert metrics["async/partial_turns"] == 1 / 3


def test_take_waits_for_its_batch_and_raises_a_producers_error() -> None:
    buffer = EpisodeBuffer()
    later = threading.Timer(0.05, buffer.put, args=(Batch(1, [_episode("a", 0, [0])]),))
    later.start()
    assert buffer.take(1).index == 1
    buffer.put(Batch(2, []))
    with pytest.raises(ValueError, match="batch 2 was put twice"):
        buffer.put(Batch(2, []))
    buffer.fail(OSError("env died"))
    assert buffer.take(2).index == 2  # a waiting batch is still taken
    with pytest.raises(RuntimeError, match="env died"):
        buffer.take(3)


def test_saved_batches_load_back_equal(tmp_path: Path) -> None:
    batches = [Batch(4, [_episode("a", 0, [3, 4])], {"dynamic/resampled": 1.0}, 2.5),
               Batch(5, [_episode("b", 1, [4])])]
    save_batches(batches, tmp_path / "buffer.jsonl")
    loaded = load_batches(tmp_path / "buffer.jsonl")
    assert [(b.index, b.metrics, b.sampling_s, b.trajectories) for b in loaded] == \
        [(b.index, b.metrics, b.sampling_s, b.trajectories) for b in batches]
    assert load_batches(tmp_path / "absent.jsonl") == []
    (tmp_path / "bad.jsonl").write_text('{"index": 1}\n')
    with pytest.raises(ValueError, match="bad.jsonl line 1: not a saved batch"):
        load_batches(tmp_path / "bad.jsonl")
