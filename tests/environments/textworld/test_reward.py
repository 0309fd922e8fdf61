"""TextWorld's reward functions, computed by hand."""

from agentrl.environments.textworld.reward import outcome_reward, score_reward


def test_score_reward_is_the_normalised_score_gain():
    assert score_reward(0, 1, 4) == 0.25
    assert score_reward(1, 3, 4) == 0.5
    assert score_reward(2, 2, 4) == 0.0
    assert score_reward(0, 0, 0) == 0.0


def test_outcome_reward_is_one_for_a_win_only():
    assert outcome_reward(True) == 1.0
    assert outcome_reward(False) == 0.0
