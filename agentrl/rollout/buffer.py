"""The episode buffer of asynchronous training: finished batches wait here for the trainer.

Producers (rollout threads) put whole batches, each named by the iteration it was drawn
for; the trainer takes them in iteration order, blocking until the one it needs is there.
A producer that fails hands its error to the buffer, and the trainer's `take` raises it.

Staleness is counted in policy versions: a turn sampled by version v and trained on by
the trainer at version V is V − v versions old. The trainer keeps a group only when its
oldest turn is at most ``max_staleness`` old (`fresh_groups`); the others are dropped and
counted, never trained on silently.

The buffer's unconsumed batches can be written to a JSONL file and read back
(`save_batches` / `load_batches`), so that a checkpoint covers what was sampled but not yet
trained on.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from agentrl.core.types import Trajectory, Turn, group_members


@dataclass
class Batch:
    """One iteration's finished episodes (task-major, whole groups) and how they came."""

    index: int
    trajectories: list[Trajectory]
    metrics: dict[str, float] = field(default_factory=dict)  # dynamic sampling's
    sampling_s: float = 0.0  # wall time from the batch's first reset to its last episode

    @property
    def tokens(self) -> int:
        """Sampled action tokens of the batch."""
        return sum(len(turn.action_ids) for t in self.trajectories for turn in t.turns)


class EpisodeBuffer:
    """Finished batches by iteration index, thread-safe; `take` blocks until one is there."""

    def __init__(self) -> None:
        self._ready = threading.Condition()
        self._batches: dict[int, Batch] = {}
        self._error: BaseException | None = None

    def put(self, batch: Batch) -> None:
        """Add a finished batch (a second batch of the same index is an error)."""
        with self._ready:
            if batch.index in self._batches:
                raise ValueError(f"EpisodeBuffer: batch {batch.index} was put twice")
            self._batches[batch.index] = batch
            self._ready.notify_all()

    def fail(self, error: BaseException) -> None:
        """A producer failed: the next `take` raises ``error``."""
        with self._ready:
            self._error = self._error or error
            self._ready.notify_all()

    def take(self, index: int) -> Batch:
        """Remove and return batch ``index``, waiting for it; raises a producer's error."""
        with self._ready:
            while index not in self._batches:
                if self._error is not None:
                    raise RuntimeError(f"a rollout producer failed: {self._error}") \
                        from self._error
                self._ready.wait(timeout=1.0)
            return self._batches.pop(index)

    def has(self, index: int) -> bool:
        """Whether batch ``index`` is waiting."""
        with self._ready:
            return index in self._batches

    def pending(self) -> list[Batch]:
        """The waiting batches, by index (a snapshot)."""
        with self._ready:
            return [self._batches[i] for i in sorted(self._batches)]


def staleness(trajectory: Trajectory, version: int) -> int:
    """How many versions the trajectory's oldest turn lags ``version`` (0 without turns)."""
    oldest = trajectory.oldest_policy_version
    return 0 if oldest is None else version - oldest


def fresh_groups(trajectories: list[Trajectory], version: int,
                 max_staleness: int) -> tuple[list[Trajectory], int]:
    """(the trajectories of the groups whose every member is at most ``max_staleness``
    versions old at ``version``, in their order; how many groups were dropped). Groups are
    kept or dropped whole, by identity (`group_members`)."""
    kept: list[Trajectory] = []
    dropped = 0
    for members in group_members(trajectories).values():
        if max(staleness(t, version) for t in members) <= max_staleness:
            kept += members
        else:
            dropped += 1
    return kept, dropped


def turn_versions(turn: Turn) -> set[int]:
    """The policy versions that sampled ``turn``'s tokens (one, unless its generation was
    resumed under new weights mid-way: `Turn.token_versions`)."""
    return set(turn.token_versions or ()) | {turn.policy_version}


def staleness_metrics(trajectories: list[Trajectory], version: int,
                      max_staleness: int) -> dict[str, float]:
    """The staleness histogram of the turns trained on, a turn's age being its oldest
    token's: ``async/staleness_d`` the fraction of turns d versions old (d = 0 … k),
    ``async/staleness_mean`` and ``_max``; ``async/partial_episodes``: the fraction of
    episodes whose tokens came from more than one version (continued under new weights:
    partial rollouts), and ``async/partial_turns``: the fraction of turns whose own tokens
    did (a generation resumed under new weights mid-turn, vLLM)."""
    turns = [turn for t in trajectories for turn in t.turns]
    ages = [version - turn.policy_version for turn in turns]
    counts = Counter(ages)
    metrics = {f"async/staleness_{d}": counts[d] / max(1, len(ages))
               for d in range(max_staleness + 1)}
    metrics["async/staleness_mean"] = sum(ages) / max(1, len(ages))
    metrics["async/staleness_max"] = float(max(ages, default=0))
    spans = [len(set().union(*map(turn_versions, t.turns))) if t.turns else 0
             for t in trajectories]
    metrics["async/partial_episodes"] = sum(v > 1 for v in spans) / max(1, len(spans))
    metrics["async/partial_turns"] = sum(len(turn_versions(turn)) > 1 for turn in turns) / \
        max(1, len(turns))
    return metrics


def save_batches(batches: list[Batch], path: Path) -> None:
    """Write ``batches`` to ``path`` (JSONL, one batch a line), atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    with partial.open("w", encoding="utf-8") as file:
        for batch in batches:
            file.write(json.dumps({
                "index": batch.index, "metrics": batch.metrics, "sampling_s": batch.sampling_s,
                "trajectories": [t.model_dump(mode="json") for t in batch.trajectories],
            }) + "\n")
    os.replace(partial, path)


def load_batches(path: Path) -> list[Batch]:
    """The batches `save_batches` wrote to ``path`` (none when it does not exist)."""
    if not path.exists():
        return []
    batches = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            batches.append(Batch(
                index=int(row["index"]), metrics=dict(row["metrics"]),
                sampling_s=float(row["sampling_s"]),
                trajectories=[Trajectory.model_validate(t) for t in row["trajectories"]]))
        except (ValueError, KeyError, TypeError) as error:
            raise ValueError(f"{path} line {number}: not a saved batch "
                             f"({type(error).__name__}: {error})") from None
    return batches
