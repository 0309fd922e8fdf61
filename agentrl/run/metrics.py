"""Metrics: JSONL always, TensorBoard and W&B when asked. Names are namespaced and fixed."""

from __future__ import annotations

import json
import math
import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

from agentrl.core.types import Trajectory
from agentrl.eval.metrics_file import metric_rows
from agentrl.rollout.segments import count_template_rewrites
from agentrl.run.errors import disk_full_error, is_disk_full


def rollout_metrics(trajectories: list[Trajectory]) -> dict[str, float]:
    """The rollout diagnostics people debug with: success, length, errors, spread."""
    valid = [t for t in trajectories if not t.errored]
    turns = [turn for t in valid for turn in t.turns]
    metrics = {
        "rollout/episodes": float(len(trajectories)),
        "rollout/error_rate": 1 - len(valid) / max(1, len(trajectories)),
        "rollout/success": _mean([float(t.success) for t in valid]),
        "rollout/outcome_reward": _mean([t.outcome_reward for t in valid]),
        "rollout/episode_len": _mean([float(len(t.turns)) for t in valid]),
        "rollout/truncation_rate": _mean([float(t.truncated) for t in valid]),
        "rollout/invalid_action_rate": _mean(
            [float(turn.info.get("action_valid") is False) for turn in turns]
        ),
        "rollout/response_tokens": _mean([float(len(turn.action_ids)) for turn in turns]),
        "rollout/template_rewrites": float(count_template_rewrites(valid)),
    }
    groups: dict[str, list[float]] = defaultdict(list)
    for t in valid:
        groups[t.group_id].append(t.outcome_reward)
    spreads = [statistics.pstdev(r) for r in groups.values() if len(r) > 1]
    metrics["rollout/reward_std_in_group"] = _mean(spreads)
    metrics["rollout/zero_spread_groups"] = _mean([float(s == 0) for s in spreads])
    return metrics


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


class MetricsLogger:
    """Appends ``{"iteration": i, **metrics}`` lines to metrics.jsonl (+ TB / W&B).

    The TensorBoard events are derived from metrics.jsonl: a logger opened on a run whose
    metrics.jsonl has lines (a resumed run, cut back to its checkpoint) writes them into
    fresh events first, so TensorBoard too holds each iteration once.
    """

    def __init__(self, run_dir: Path, *, tensorboard: bool, wandb: bool, config: dict[str, Any]):
        self.path = run_dir / "metrics.jsonl"
        self._tb = None
        self._wandb = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self._tb = SummaryWriter(str(run_dir / "tensorboard"))
            for row in metric_rows(self.path):
                iteration = row.pop("iteration")
                for key, value in row.items():
                    self._tb.add_scalar(key, value, iteration)
            self._tb.flush()
        if wandb:
            import wandb as wandb_module

            self._wandb = wandb_module.init(project="agentrl", name=run_dir.name, config=config,
                                            dir=str(run_dir))

    def log(self, iteration: int, metrics: dict[str, float]) -> None:
        """Record ``metrics`` of ``iteration``; values that are not finite numbers are dropped.
        A full disk is a `RunFolderError` naming metrics.jsonl."""
        clean = {
            k: v for k, v in metrics.items() if isinstance(v, int | float) and math.isfinite(v)
        }
        try:
            with self.path.open("a") as file:
                file.write(json.dumps({"iteration": iteration, **clean}) + "\n")
        except OSError as error:
            if is_disk_full(error):
                raise disk_full_error(self.path) from None
            raise
        if self._tb is not None:
            for key, value in clean.items():
                self._tb.add_scalar(key, value, iteration)
            self._tb.flush()
        if self._wandb is not None:
            self._wandb.log(clean, step=iteration)

    def close(self) -> None:
        """Close the TensorBoard writer and finish the W&B run, where enabled."""
        if self._tb is not None:
            self._tb.close()
        if self._wandb is not None:
            self._wandb.finish()
