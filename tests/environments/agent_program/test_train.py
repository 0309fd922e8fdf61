"""One training iteration on an agent program, from a dict recipe (`agentrl.run.loop.train`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agentrl.rollout.writer import read_trajectories
from agentrl.run.loop import train

pytestmark = pytest.mark.slow

PROGRAMS = "tests.environments.agent_program.programs"
LOOKUP_JAPAN = '<tool_call>{"name": "capital_of", "arguments": {"country": "Japan"}}</tool_call>'


@pytest.mark.parametrize("advantage", ["grpo", "gigpo"])
def test_one_iteration_trains_on_an_agent_program(tmp_path: Path, advantage: str) -> None:
    recipe = {
        "name": "agent",
        "seed": 1,
        "env": {"id": "agent-program",
                "kwargs": {"program": f"{PROGRAMS}:lookup_agent", "tasks": f"{PROGRAMS}:TASKS",
                           "call_timeout_s": 60}},
        "policy": {"model": "tiny:llama"},
        "rollout": {"group_size": 2, "sampling": {"max_new_tokens": 4},
                    "prompt": {"response_prefix": LOOKUP_JAPAN}},
        "algorithm": {"advantage": advantage},
        "optim": {"lr": 1e-3, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": 1, "tasks_per_iteration": 2},
        "eval": {"split": "valid", "num_tasks": 1},
        "logging": {"run_dir": str(tmp_path), "tensorboard": False, "progress": False},
    }
    run = train(recipe)
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert rows[0]["rollout/error_rate"] == 0.0
    # france: 2 calls, japan: 3 calls; two rollouts of each.
    assert rows[0]["rollout/episode_len"] == 2.5
    assert rows[0]["rollout/outcome_reward"] == 0.25  # japan 0.5, france 0
    assert "loss/policy" in rows[0]
    # The tiny model's template (ChatML) has no tool calls: it drops the reply's
    # <tool_call> when it renders the reply back, so every later call is a rewrite
    # (10 turns - 4 first turns), and no turn is re-tokenised for it.
    assert rows[0]["rollout/template_rewrites"] == 6.0
    trajectories = list(read_trajectories(run / "rollouts.jsonl"))
    assert sorted(len(t.turns) for t in trajectories) == [2, 2, 3, 3]
    assert all(turn.observation.messages for t in trajectories for turn in t.turns)
    for trajectory in trajectories:
        assert "new_segment" not in trajectory.turns[0].info
        assert all(turn.info["segment_cause"] == "template" for turn in trajectory.turns[1:])
    samples = list(read_trajectories(run / "samples.jsonl"))
    assert samples and all(turn.advantage is not None for s in samples for turn in s.turns)
