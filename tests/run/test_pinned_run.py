"""Behaviour pinned across refactors: the same recipe and seed give the same metrics and
rollouts as the code the fixture was written from (commit 3af8f5d, before the package was laid
along the data path). Wall-clock and throughput fields are left out; everything else — the
sampled tokens, their log-probs, rewards, advantages, losses — is compared.

The fixture was produced by running `pinned_run(...)` below on that commit (regenerate with
AGENTRL_WRITE_PINNED=1 only when a change of behaviour is intended, and say so in the commit).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

import pytest

from agentrl.run.loop import train

FIXTURE = Path(__file__).parent / "fixtures" / "pinned_runs.json"
VOLATILE = ("perf/", "time/")  # metric prefixes that measure the machine, not the run
TURN_KEYS = ("action", "response", "action_ids", "action_logprobs", "reward", "state_key",
             "advantage")
TRAJ_KEYS = ("group_id", "outcome_reward", "success", "errored", "truncated")


def _recipe(run_dir: Path, name: str, algorithm: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "seed": 11,
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama", "cpu_threads": 1, "dtype": "float32"},
        "rollout": {"group_size": 2, "lenient_parsing": True, "workers": 1,
                    "sampling": {"max_new_tokens": 4}},
        "algorithm": algorithm,
        "optim": {"lr": 3e-2, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": 2, "tasks_per_iteration": 2, "samples_per_iteration": 2},
        "eval": {"num_tasks": 2},
        "logging": {"run_dir": str(run_dir), "tensorboard": False, "progress": False},
    }


CASES: dict[str, dict[str, Any]] = {
    "grpo-entropy": {"advantage": "grpo", "entropy": "plain", "entropy_options": {"coef": 0.5}},
    "gae-critic-kl": {"advantage": "gae", "kl_coef": 0.1, "shaping": ["format"],
                      "critic_options": {"hidden": 8, "fit_epochs": 1}},
}


def _stable_metrics(row: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in row.items() if not key.startswith(VOLATILE)}


def _rollout(line: str) -> dict[str, Any]:
    trajectory = json.loads(line)
    kept = {key: trajectory[key] for key in TRAJ_KEYS}
    kept["task"] = trajectory["task"]["id"]
    kept["turns"] = [{key: turn[key] for key in TURN_KEYS} for turn in trajectory["turns"]]
    return kept


def pinned_run(tmp_path: Path, name: str) -> dict[str, Any]:
    """The stable record of one short run: metrics rows and every rollout."""
    run = train(_recipe(tmp_path, name, CASES[name]))
    metrics = [_stable_metrics(json.loads(line))
               for line in (run / "metrics.jsonl").read_text().splitlines()]
    rollouts = [_rollout(line) for line in (run / "rollouts.jsonl").read_text().splitlines()]
    samples = [_rollout(line) for line in (run / "samples.jsonl").read_text().splitlines()]
    return {"metrics": metrics, "rollouts": rollouts, "samples": samples}


def _assert_same(actual: Any, expected: Any, where: str) -> None:
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and sorted(actual) == sorted(expected), where
        for key in expected:
            _assert_same(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), where
        for index, (left, right) in enumerate(zip(actual, expected, strict=True)):
            _assert_same(left, right, f"{where}[{index}]")
    elif isinstance(expected, float) and not isinstance(actual, bool):
        # float noise of a different BLAS kernel only; a changed computation moves far more.
        # The sampler / trainer log-prob gap is itself such noise (~1e-6 with synced
        # weights, kernel- and thread-dependent); a missing sync shows as 1e-2 or more.
        noise = 1e-5 if "rollout_logprob_diff" in where else 1e-7
        assert math.isclose(actual, expected, rel_tol=1e-5, abs_tol=noise), (where, actual,
                                                                              expected)
    else:
        assert actual == expected, (where, actual, expected)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_a_short_run_repeats_the_pinned_metrics_and_rollouts(tmp_path: Path, name: str) -> None:
    record = pinned_run(tmp_path, name)
    if os.environ.get("AGENTRL_WRITE_PINNED") == "1":
        stored = json.loads(FIXTURE.read_text()) if FIXTURE.exists() else {}
        stored[name] = record
        FIXTURE.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
    expected = json.loads(FIXTURE.read_text())[name]
    assert len(expected["metrics"]) == 3 and len(expected["rollouts"]) == 8
    if CASES[name]["advantage"] == "gae":  # the format penalty and the critic give A ≠ 0
        assert all(turn["advantage"] for sample in expected["samples"]
                   for turn in sample["turns"])
    _assert_same(record, expected, name)
