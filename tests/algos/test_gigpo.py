"""GiGPO: hand-computed episode + anchor-state step advantages."""

import math

import pytest

from agentrl.algos import get_advantage

gigpo = get_advantage("gigpo")


def _group(traj):
    # T0 succeeds via A→B, T1 fails via A→C→D; only state A is shared.
    return [
        traj("g", 1.0, keys=["A", "B"]),
        traj("g", 0.0, keys=["A", "C", "D"]),
    ]


def test_mean_norm_episode_stats_over_step_samples(traj):
    advantages = gigpo(_group(traj), gamma=0.5)
    # step returns (γ = 0.5, R on the last turn): T0 [0.5, 1.0], T1 [0, 0, 0]
    # episode samples, one per step: [1, 1, 0, 0, 0] → mean 0.4
    a_e0, a_e1 = 1.0 - 0.4, 0.0 - 0.4
    # anchor group A: returns [0.5, 0.0] → mean 0.25; B, C, D are singletons → 0
    a_s0, a_s1 = 0.5 - 0.25, 0.0 - 0.25
    assert advantages[0] == pytest.approx([a_e0 + a_s0, a_e0])
    assert advantages[1] == pytest.approx([a_e1 + a_s1, a_e1, a_e1])


def test_episode_stats_per_trajectory_and_omega(traj):
    advantages = gigpo(_group(traj), gamma=0.5, episode_stats="trajectory", omega=2.0)
    a_e0, a_e1 = 1.0 - 0.5, 0.0 - 0.5
    assert advantages[0] == pytest.approx([a_e0 + 2.0 * 0.25, a_e0])
    assert advantages[1] == pytest.approx([a_e1 + 2.0 * -0.25, a_e1, a_e1])


def test_mean_std_norm_uses_unbiased_std(traj):
    advantages = gigpo(_group(traj), gamma=0.5, mode="mean_std_norm")
    std_e = math.sqrt((0.6**2 * 2 + 0.4**2 * 3) / (5 - 1))  # sqrt(0.3)
    std_a = math.sqrt((0.25**2 + 0.25**2) / (2 - 1))  # sqrt(0.125)
    a_e0, a_e1 = 0.6 / (std_e + 1e-6), -0.4 / (std_e + 1e-6)
    a_s0, a_s1 = 0.25 / (std_a + 1e-6), -0.25 / (std_a + 1e-6)
    assert advantages[0] == pytest.approx([a_e0 + a_s0, a_e0])
    assert advantages[1] == pytest.approx([a_e1 + a_s1, a_e1, a_e1])


def test_single_sample_group_uses_mean_zero_as_verl_agent(traj, rows_close):
    # one trajectory of one turn: the episode statistic has one sample → mean 0, std 1
    rows_close(gigpo([traj("solo", 1.0, keys=["A"])]), [[1.0]])


def test_all_equal_rewards_and_errored_excluded(traj, rows_close):
    batch = [
        traj("g", 1.0, keys=["A", "B"]),
        traj("g", 1.0, keys=["A", "B"]),
        traj("g", 0.0, keys=["A", "B"], errored=True),
    ]
    rows_close(gigpo(batch), [[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])


def test_step_groups_never_cross_episode_groups(traj, rows_close):
    batch = [traj("a", 1.0, keys=["A"]), traj("b", 0.0, keys=["A"]), traj("b", 1.0, keys=["B"])]
    advantages = gigpo(batch, gamma=0.5)
    # group a: one sample → A^E = 1 - 0; group b: mean 0.5 → ∓0.5; every state a singleton
    rows_close(advantages, [[1.0], [-0.5], [0.5]])


def test_fuzzy_anchor_merge_on_similar_observations(traj, rows_close):
    batch = [traj("g", 1.0, keys=["kitchen-1"]), traj("g", 0.0, keys=["kitchen-2"])]
    exact = gigpo(batch)
    rows_close(exact, [[0.5], [-0.5]])
    # "obs kitchen-1" vs "obs kitchen-2": ratio 2·12/26 ≈ 0.923 ≥ 0.9 → one anchor group
    fuzzy = gigpo(batch, similarity_threshold=0.9)
    rows_close(fuzzy, [[0.5 + 0.5], [-0.5 - 0.5]])
