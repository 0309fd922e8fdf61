"""``trainer.mode: async`` with ``rollout.env_workers: ray``: every env in a real Ray actor
(one local Ray, 2 logical CPUs), k + 1 rollout runners each with its own actors, the run
trains, each turn records its policy version, and no actor outlives the run.

Real parts: Ray, toy/corridor, a tiny random llama, the async loop (`tests.run.conftest`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentrl.run.loop import train
from tests.rollout.test_ray_env_workers import live_actors
from tests.run.conftest import toy_run_recipe

ray = pytest.importorskip("ray")
pytestmark = pytest.mark.slow


@pytest.fixture()
def ray_session() -> Any:
    ray.init(num_cpus=2, include_dashboard=False)
    yield
    ray.shutdown()


def test_async_run_with_ray_env_actors_trains_and_records_versions(
        tmp_path: Path, ray_session: Any) -> None:
    recipe = toy_run_recipe(tmp_path, mode="async", max_staleness=1)
    recipe["algorithm"]["rollout_correction"] = "decoupled"
    recipe["rollout"] |= {"env_workers": "ray", "ray_actor_options": {"num_cpus": 0.1}}
    run = train(recipe)
    episodes = [json.loads(line) for line in (run / "rollouts.jsonl").read_text().splitlines()]
    identities = [(e["group_id"], e["member"]) for e in episodes]
    assert len(identities) == len(set(identities)) == 3 * 2 * 2  # each episode once
    assert not any(e["errored"] for e in episodes), [e.get("error") for e in episodes]
    for episode in episodes:  # batch i: sampled by version i − 1 at the oldest, i at most
        iteration = int(episode["group_id"].split("/")[0].removeprefix("it"))
        versions = [turn["policy_version"] for turn in episode["turns"]]
        assert versions and all(max(0, iteration - 1) <= v <= iteration for v in versions)
        if iteration == 2:  # batch 2 starts once version 1 is published
            assert min(versions) >= 1
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert [row["iteration"] for row in rows[:3]] == [0, 1, 2]
    assert all("loss/policy" in row and row["async/staleness_max"] <= 1 for row in rows[:3])
    assert all(row["async/dropped_groups"] == 0 for row in rows[:3])
    assert live_actors() == []  # the runners' actors are gone with the run
