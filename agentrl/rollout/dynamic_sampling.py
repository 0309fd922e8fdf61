"""Dynamic sampling (DAPO, Yu et al. 2025, §3.2; verl-agent's "dynamic GiGPO"): groups whose
outcomes are all equal carry no signal for a group-relative estimator, so they are dropped
and their tasks resampled, up to ``max_rounds`` times per iteration, until every group of
the batch has mixed outcomes. Groups still all-equal after the last round stay in the batch
(their advantages are zero), so the batch keeps its size.

Logged: ``rollout/mixed_group_fraction`` (of the final batch), ``.._first`` (before any
resampling), ``rollout/resampled_groups`` (group rollouts redone) and
``rollout/dynamic_rounds``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from agentrl.core.types import GroupKey, Task, Trajectory, group_members

if TYPE_CHECKING:
    from agentrl.rollout.runner import RolloutRunner

ROUND_SEED_STRIDE = 100_000_007  # each resampling round draws from a fresh seed range


class DynamicSamplingOptions(BaseModel):
    """The ``rollout.dynamic_sampling`` section."""

    model_config = ConfigDict(extra="forbid")

    enabled: bool = Field(
        default=False, description="Resample groups whose outcomes are all equal (DAPO)."
    )
    max_rounds: int = Field(
        default=10, ge=1,
        description="Resampling rounds per iteration (verl-agent's max tries: 10); groups "
        "still all-equal after them stay in the batch with zero advantage.",
    )


def is_mixed(group: list[Trajectory]) -> bool:
    """True when the group's non-errored members have at least two different outcomes."""
    outcomes = {t.outcome_reward for t in group if not t.errored}
    return len(outcomes) > 1


def collect_groups(
    runner: RolloutRunner, tasks: list[Task], *, seed: int, group_prefix: str,
    progress: bool, options: DynamicSamplingOptions, keys: list[GroupKey] | None = None,
) -> tuple[list[Trajectory], dict[str, float]]:
    """The iteration's batch (task-major, ``runner.options.group_size`` per task) and the
    dynamic-sampling metrics; without ``options.enabled`` one plain round.

    Groups are found by identity (``keys``, default `GroupKey.for_tasks(tasks, group_prefix)`),
    never by position, so the order the runner returns episodes in changes nothing."""
    keys = GroupKey.for_tasks(tasks, group_prefix) if keys is None else keys
    ids = [key.group_id for key in keys]
    batch = runner.run(tasks, seed=seed, group_prefix=group_prefix, progress=progress, keys=keys)
    groups = _groups(batch, ids)
    first = sum(map(is_mixed, groups.values())) / max(1, len(groups))
    resampled, rounds = 0, 0
    while options.enabled and rounds < options.max_rounds:
        redo = [k for k, group_id in enumerate(ids) if not is_mixed(groups[group_id])]
        if not redo:
            break
        rounds += 1
        redo_keys = [keys[k] for k in redo]
        fresh = _groups(runner.run([tasks[k] for k in redo], keys=redo_keys,
                                   seed=seed + rounds * ROUND_SEED_STRIDE,
                                   group_prefix=group_prefix, progress=progress),
                        [key.group_id for key in redo_keys])
        resampled += len(redo)
        for group_id, candidate in fresh.items():
            if is_mixed(candidate):
                groups[group_id] = candidate
    mixed = sum(map(is_mixed, groups.values())) / max(1, len(groups))
    metrics = {"rollout/mixed_group_fraction": mixed,
               "rollout/mixed_group_fraction_first": first,
               "rollout/resampled_groups": float(resampled),
               "rollout/dynamic_rounds": float(rounds)}
    return [t for group in groups.values() for t in group], metrics


def _groups(batch: list[Trajectory], ids: list[str]) -> dict[str, list[Trajectory]]:
    """``batch`` grouped by identity in the order of ``ids``; refuses a stray episode."""
    groups = group_members(batch, ids)
    if len(groups) != len(ids):
        stray = sorted(set(groups) - set(ids))
        raise ValueError(f"dynamic sampling: the runner returned episodes of groups {stray} "
                         f"that the batch did not ask for")
    return groups
