"""Format / validity shaping: a penalty per invalid action, computed by hand."""

import pytest

from agentrl.credit import get_shaping

format_penalty = get_shaping("format")


def test_penalty_on_each_invalid_turn(traj):
    infos = [{"action_valid": True}, {"action_valid": False}, {},
             {"action_valid": False, "reward_components": {"env": 1.0}}]
    t = traj(1.0, [0.0, 0.0, 0.0, 1.0], infos)
    (shaped,) = format_penalty([t])
    assert [turn.reward for turn in shaped.turns] == pytest.approx([0.0, -0.1, 0.0, 1.0 - 0.1])
    assert shaped.outcome_reward == 1.0
    assert shaped.turns[1].info["reward_components"] == {"format_penalty": -0.1}
    assert shaped.turns[3].info["reward_components"] == {"env": 1.0, "format_penalty": -0.1}
    assert [turn.reward for turn in t.turns] == [0.0, 0.0, 0.0, 1.0]  # input untouched


def test_into_outcome_and_coefficient(traj):
    t = traj(1.0, [0.0, 0.0], [{"action_valid": False}, {"action_valid": False}])
    (shaped,) = format_penalty([t], coef=0.5, into="outcome")
    assert shaped.outcome_reward == pytest.approx(1.0 - 2 * 0.5)
    assert [turn.reward for turn in shaped.turns] == [0.0, 0.0]
