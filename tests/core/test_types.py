"""The episode API's data round-trips through JSON losslessly (JSONL trajectories)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from agentrl.core.types import EnvSpec, Observation, StepResult, Task, Trajectory, Turn


def make_trajectory() -> Trajectory:
    task = Task(
        id="t-1",
        env_id="toy/corridor",
        split="valid_unseen",
        instruction="Walk right 2 cells.",
        ground_truth="right right",
        metadata={"length": 2, "tags": ["easy"], "nested": {"a": None}},
    )
    seen = [
        Observation(text="At 0.", available_actions=["left", "right"], state_key="k0"),
        Observation(text="At 1.", images=["iVBORw0KGgo="], tools=[{"name": "go"}], state_key="k1"),
    ]
    turns = [
        Turn(
            observation=obs,
            prompt_messages=[{"role": "user", "content": obs.text}],
            prompt_ids=[1, 2, 3],
            action="right",
            response="<action>right</action>",
            action_ids=[7, 8],
            action_logprobs=[-0.25, -1.5],
            reward=reward,
            info={"success": reward == 1.0, "action_valid": True, "reward_components": {}},
            state_key=obs.state_key,
            advantage=advantage,
        )
        for obs, reward, advantage in zip(seen, [0.0, 1.0], [None, 0.5], strict=True)
    ]
    return Trajectory(
        task=task,
        turns=turns,
        outcome_reward=1.0,
        success=True,
        group_id="g-0",
        started_at=1700000000.5,
        wall_time_s=0.75,
        final_observation=Observation(text="At 2.", state_key="k2"),
    )


def test_trajectory_with_turns_round_trips_through_json() -> None:
    trajectory = make_trajectory()
    again = Trajectory.model_validate_json(trajectory.model_dump_json())
    assert again == trajectory
    assert again.turns[1].observation.images == ["iVBORw0KGgo="]
    assert again.turns[0].action_logprobs == [-0.25, -1.5]
    assert again.total_reward == 1.0  # 0.0 + 1.0


def test_trajectories_round_trip_through_jsonl_lines() -> None:
    batch = [
        make_trajectory(),
        Trajectory(task=Task(id="t-2", env_id="x"), errored=True, error="boom"),
    ]
    lines = "\n".join(t.model_dump_json() for t in batch).splitlines()
    assert len(lines) == 2 and json.loads(lines[1])["error"] == "boom"
    assert [Trajectory.model_validate_json(line) for line in lines] == batch


def test_step_result_defaults_and_round_trip() -> None:
    result = StepResult(observation=Observation(text="", state_key="k"))
    assert (result.reward, result.terminated, result.truncated, result.info) == (
        0.0,
        False,
        False,
        {},
    )
    assert StepResult.model_validate_json(result.model_dump_json()) == result


def test_unknown_fields_and_bad_values_are_rejected() -> None:
    with pytest.raises(ValidationError, match="statekey"):
        Observation(text="x", state_key="k", statekey="typo")
    with pytest.raises(ValidationError, match="state_key"):
        Observation(text="x")
    with pytest.raises(ValidationError, match="max_turns"):
        EnvSpec(id="x", max_turns=0)
    with pytest.raises(ValidationError, match="action_format"):
        EnvSpec(id="x", action_format="json")


def test_env_spec_defaults_round_trip() -> None:
    spec = EnvSpec(id="toy/corridor")
    assert spec.splits == ("train", "valid", "heldout")
    assert (spec.max_turns, spec.action_format) == (20, "text")
    assert EnvSpec.model_validate_json(spec.model_dump_json()) == spec
