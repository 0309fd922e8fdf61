"""REINFORCE++: hand-computed globally normalised turn returns."""

import math

import pytest

from agentrl.algos import get_advantage

reinforce_pp = get_advantage("reinforce++")


def test_plain_returns_are_normalised_over_the_whole_batch(traj):
    batch = [traj("g", 1.0, rewards=[0.0, 0.0]), traj("g", 0.0, rewards=[0.0])]
    advantages = reinforce_pp(batch, baseline="none")
    # returns (γ = 1, R added on the last turn): [1, 1] and [0]
    mean = (1 + 1 + 0) / 3
    std = math.sqrt(((1 - mean) ** 2 * 2 + (0 - mean) ** 2) / 3)
    assert advantages[0] == pytest.approx([(1 - mean) / (std + 1e-8)] * 2)
    assert advantages[1] == pytest.approx([(0 - mean) / (std + 1e-8)])


def test_group_mean_baseline_then_global_normalisation(traj, rows_close):
    batch = [traj("a", 1.0), traj("a", 0.0), traj("b", 1.0), traj("b", 1.0)]
    advantages = reinforce_pp(batch)
    # group a: R − 0.5 = ±0.5; group b: R − 1 = 0; pooled [0.5, -0.5, 0, 0], mean 0
    std = math.sqrt((0.25 + 0.25 + 0 + 0) / 4)
    rows_close(advantages, [[0.5 / (std + 1e-8)], [-0.5 / (std + 1e-8)], [0.0], [0.0]])


def test_kl_penalty_in_reward_and_discount(traj):
    batch = [
        traj("g", 1.0, rewards=[0.0, 0.0], infos=[{"kl": 0.5}, {"kl": 1.0}]),
        traj("g", 0.0, rewards=[0.0], infos=[{"kl": 0.0}]),
    ]
    advantages = reinforce_pp(batch, baseline="none", kl_coef=0.1, gamma=0.5)
    g1 = (0.0 + 1.0) - 0.1 * 1.0  # 0.9
    g0 = (0.0 - 0.1 * 0.5) + 0.5 * g1  # 0.4
    pooled = [g0, g1, 0.0]
    mean = sum(pooled) / 3
    std = math.sqrt(sum((g - mean) ** 2 for g in pooled) / 3)
    assert advantages[0] == pytest.approx([(g0 - mean) / (std + 1e-8), (g1 - mean) / (std + 1e-8)])
    assert advantages[1] == pytest.approx([(0.0 - mean) / (std + 1e-8)])


def test_missing_kl_is_a_clear_error(traj):
    with pytest.raises(KeyError, match=r"turn.info\['kl'\]"):
        reinforce_pp([traj("g", 1.0)], kl_coef=0.1)


def test_errored_excluded_and_all_equal_batch_gives_zero(traj):
    batch = [traj("g", 9.0, n=2, errored=True), traj("g", 1.0), traj("h", 1.0, n=3)]
    advantages = reinforce_pp(batch, baseline="none")
    assert advantages == [[0.0, 0.0], [0.0], [0.0, 0.0, 0.0]]


def test_unknown_option_value_names_the_option(traj):
    with pytest.raises(ValueError, match="baseline='mean'"):
        reinforce_pp([traj("g")], baseline="mean")
