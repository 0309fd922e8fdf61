"""REINFORCE++: hand-computed globally normalised returns, per turn and per token."""

import math

import pytest

from agentrl.credit import get_advantage

reinforce_pp = get_advantage("reinforce++")


def test_plain_returns_are_normalised_over_the_whole_batch(traj):
    batch = [traj("g", 1.0, rewards=[0.0, 0.0]), traj("g", 0.0, rewards=[0.0])]
    advantages = reinforce_pp(batch, baseline="none", level="turn")
    # returns (γ = 1, R added on the last turn): [1, 1] and [0]
    mean = (1 + 1 + 0) / 3
    std = math.sqrt(((1 - mean) ** 2 * 2 + (0 - mean) ** 2) / 3)
    assert advantages[0] == pytest.approx([(1 - mean) / (std + 1e-8)] * 2)
    assert advantages[1] == pytest.approx([(0 - mean) / (std + 1e-8)])


def test_group_mean_baseline_then_global_normalisation(traj, rows_close):
    batch = [traj("a", 1.0), traj("a", 0.0), traj("b", 1.0), traj("b", 1.0)]
    advantages = reinforce_pp(batch, level="turn")
    # group a: R − 0.5 = ±0.5; group b: R − 1 = 0; pooled [0.5, -0.5, 0, 0], mean 0
    std = math.sqrt((0.25 + 0.25 + 0 + 0) / 4)
    rows_close(advantages, [[0.5 / (std + 1e-8)], [-0.5 / (std + 1e-8)], [0.0], [0.0]])


def test_kl_penalty_in_reward_and_discount(traj):
    batch = [
        traj("g", 1.0, rewards=[0.0, 0.0], infos=[{"kl": 0.5}, {"kl": 1.0}]),
        traj("g", 0.0, rewards=[0.0], infos=[{"kl": 0.0}]),
    ]
    advantages = reinforce_pp(batch, baseline="none", kl_coef=0.1, gamma=0.5, level="turn")
    g1 = (0.0 + 1.0) - 0.1 * 1.0  # 0.9
    g0 = (0.0 - 0.1 * 0.5) + 0.5 * g1  # 0.4
    pooled = [g0, g1, 0.0]
    mean = sum(pooled) / 3
    std = math.sqrt(sum((g - mean) ** 2 for g in pooled) / 3)
    assert advantages[0] == pytest.approx([(g0 - mean) / (std + 1e-8), (g1 - mean) / (std + 1e-8)])
    assert advantages[1] == pytest.approx([(0.0 - mean) / (std + 1e-8)])


def test_missing_kl_is_a_clear_error(traj):
    with pytest.raises(KeyError, match=r"turn.info\['kl'\]"):
        reinforce_pp([traj("g", 1.0)], kl_coef=0.1, level="turn")


def test_errored_excluded_and_all_equal_batch_gives_zero(traj):
    batch = [traj("g", 9.0, n=2, errored=True), traj("g", 1.0), traj("h", 1.0, n=3)]
    advantages = reinforce_pp(batch, baseline="none", level="turn")
    assert advantages == [[0.0, 0.0], [0.0], [0.0, 0.0, 0.0]]


def test_unknown_option_value_names_the_option(traj):
    with pytest.raises(ValueError, match="baseline='mean'"):
        reinforce_pp([traj("g")], baseline="mean")


def test_token_level_weighs_each_turn_by_its_action_tokens(traj):
    batch = [traj("g", 1.0, tokens=[2]), traj("g", 0.0, tokens=[1])]
    advantages = reinforce_pp(batch, baseline="none")
    # samples are tokens: returns [1, 1] and [0]
    mean = 2 / 3
    std = math.sqrt(((1 - mean) ** 2 * 2 + mean**2) / 3)
    assert advantages == [[pytest.approx((1 - mean) / (std + 1e-8))],
                          [pytest.approx((0 - mean) / (std + 1e-8))]]


def test_token_level_kl_in_reward_gives_every_token_its_own_return(traj):
    batch = [
        traj("g", 1.0, tokens=[2, 1], infos=[{"token_kl": [0.2, 0.4]}, {"token_kl": [0.1]}]),
        traj("g", 0.0, tokens=[1], infos=[{"token_kl": [0.3]}]),
    ]
    advantages = reinforce_pp(batch, baseline="none", kl_coef=0.5)
    # eq. (8): A_t = R − β Σ_{i≥t} KL(i) over the trajectory's later tokens
    returns = [1 - 0.5 * (0.2 + 0.4 + 0.1), 1 - 0.5 * (0.4 + 0.1), 1 - 0.5 * 0.1, 0 - 0.5 * 0.3]
    mean = sum(returns) / 4
    std = math.sqrt(sum((g - mean) ** 2 for g in returns) / 4)
    a = [(g - mean) / (std + 1e-8) for g in returns]
    assert advantages[0][0] == pytest.approx(a[0:2])
    assert advantages[0][1] == pytest.approx([a[2]])
    assert advantages[1][0] == pytest.approx([a[3]])


def test_token_kl_must_match_the_action_tokens(traj):
    batch = [traj("g", 1.0, tokens=[2], infos=[{"token_kl": [0.1]}])]
    with pytest.raises(ValueError, match="turn 0 of task 'task-g' has 1 token_kl entries for 2"):
        reinforce_pp(batch, kl_coef=0.1)
    with pytest.raises(KeyError, match=r"turn.info\['token_kl'\]"):
        reinforce_pp([traj("g", 1.0, tokens=[2])], kl_coef=0.1)


def test_token_level_without_token_ids_says_to_use_turn_level(traj):
    with pytest.raises(ValueError, match="use level='turn'"):
        reinforce_pp([traj("g", 1.0), traj("g", 0.0)])
