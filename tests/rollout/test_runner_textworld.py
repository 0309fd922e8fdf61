"""The batched runner on the real TextWorld engine with a tiny transformer."""

from __future__ import annotations

import pytest

import agentrl
from agentrl.policy.hf import HFPolicy
from agentrl.rollout import RolloutOptions, RolloutRunner

pytestmark = pytest.mark.slow

TEXTWORLD = {"difficulty": "easy", "max_turns": 2,
             "tasks_per_split": {"train": 3, "valid": 1, "heldout": 1}}


def test_lockstep_rollout_on_textworld_records_every_turn_without_errors():
    policy = HFPolicy.from_name("tiny:llama")
    options = RolloutOptions(group_size=2, lenient_parsing=True)
    options.sampling.max_new_tokens = 6
    tasks = list(agentrl.make("textworld", **TEXTWORLD).tasks("train"))
    runner = RolloutRunner(lambda: agentrl.make("textworld", **TEXTWORLD), policy, options)
    try:
        # Six games reset and step at once in threads: TextWorld's loader must not race.
        trajectories = runner.run(tasks, seed=0, progress=False)
    finally:
        runner.close()
    assert len(trajectories) == 6
    assert [t.error for t in trajectories] == [None] * 6
    for trajectory in trajectories:
        assert 1 <= len(trajectory.turns) <= 2
        for turn in trajectory.turns:
            assert turn.state_key == turn.observation.state_key != ""
            assert len(turn.action_ids) == len(turn.action_logprobs) > 0
            assert turn.observation.available_actions
    assert {t.group_id for t in trajectories} == {task.id for task in tasks}
