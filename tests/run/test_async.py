"""``trainer.mode: async``: k = 0 is the synchronous run exactly; k = 1 trains on batches one
version old, every turn stamped with its version; preflight refuses what async cannot do.

Real runs in this process: toy/corridor, a tiny random llama (`tests.run.conftest`).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from safetensors.torch import load_file

from agentrl.run.loop import train
from agentrl.run.preflight import check_trainable
from agentrl.run.recipe import RecipeError, load_recipe
from tests.run.conftest import jsonl_rows, toy_run_recipe


def _episodes(run: Path) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in jsonl_rows(run / "rollouts.jsonl"))


def _weights(run: Path) -> dict:
    latest = (run / "checkpoints" / "latest").read_text()
    return load_file(run / "checkpoints" / latest / "model" / "model.safetensors")


def _learning(run: Path) -> list[dict]:
    """Every metric but wall-clock ones and the async loop's own."""
    return [{k: v for k, v in row.items() if not k.startswith(("perf/", "async/"))}
            for row in jsonl_rows(run / "metrics.jsonl")]


@pytest.mark.slow
def test_max_staleness_0_reproduces_the_synchronous_run_exactly(tmp_path: Path) -> None:
    sync = train(toy_run_recipe(tmp_path / "sync"))
    async_ = train(toy_run_recipe(tmp_path / "async", mode="async", max_staleness=0))
    assert _episodes(async_) == _episodes(sync) and len(_episodes(sync)) == 3 * 2 * 2
    assert _learning(async_) == _learning(sync)
    ours, theirs = _weights(async_), _weights(sync)
    assert ours.keys() == theirs.keys()
    assert all((ours[name] == theirs[name]).all() for name in ours)
    rows = jsonl_rows(async_ / "metrics.jsonl")
    assert [row["async/staleness_0"] for row in rows[:3]] == [1.0, 1.0, 1.0]


@pytest.mark.slow
def test_max_staleness_1_trains_on_the_previous_versions_batch(tmp_path: Path) -> None:
    recipe = toy_run_recipe(tmp_path / "async", mode="async", max_staleness=1, eval_every=2)
    recipe["algorithm"]["rollout_correction"] = "decoupled"  # AReaL's objective
    # with what async must work with: env processes, dynamic sampling, a warm start, evals
    recipe["rollout"] |= {"env_workers": "processes",
                          "dynamic_sampling": {"enabled": True, "max_rounds": 2}}
    recipe["warm_start"] = {"steps": 1, "batch_size": 2, "tasks": 2}
    recipe["eval"]["num_tasks"] = 1
    run = train(recipe)
    episodes = [json.loads(line) for line in (run / "rollouts.jsonl").read_text().splitlines()]
    # each episode once, by identity (group, member)
    identities = [(e["group_id"], e["member"]) for e in episodes]
    assert len(identities) == len(set(identities)) == 3 * 2 * 2
    for episode in episodes:  # batch i samples with version i - 1 at the oldest (0 for i = 0)
        iteration = int(episode["group_id"].split("/")[0].removeprefix("it"))
        versions = [turn["policy_version"] for turn in episode["turns"]]
        assert all(max(0, iteration - 1) <= v <= iteration for v in versions), versions
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["iteration"] for row in rows] == [0, 0, 1, 2, 3]  # warm start's row first
    assert "sft/loss" in rows[0] and "eval/success" in rows[2]
    rows = rows[1:4]
    assert all(row["rollout/dynamic_rounds"] >= 1 for row in rows)
    assert all(row["async/dropped_groups"] == 0 for row in rows)
    assert all(row["async/staleness_max"] <= 1 for row in rows)
    assert all(0.0 <= row["perf/trainer_idle_fraction"] <= 1.0 for row in rows)
    # the stale batches' importance weights π_prox / π_behav moved off 1; the first is fresh
    assert rows[0]["train/tis_weight"] == pytest.approx(1.0, abs=1e-3)
    assert all(row["train/tis_weight"] != pytest.approx(1.0, abs=1e-3) for row in rows[1:])


def test_async_over_several_ranks_is_refused_at_preflight(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    recipe = load_recipe(toy_run_recipe(tmp_path, mode="async"))
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(RecipeError, match="trainer.mode='async' with 2 ranks"):
        check_trainable(recipe)
    monkeypatch.setenv("WORLD_SIZE", "1")
    check_trainable(recipe)


def test_max_staleness_must_be_a_version_count(tmp_path: Path) -> None:
    with pytest.raises(RecipeError, match="max_staleness"):
        load_recipe(toy_run_recipe(tmp_path, mode="async", max_staleness=-1))
