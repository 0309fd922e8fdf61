"""SPA advantage: GAE over progress rewards, and the critic-free group-return form."""

import pytest

from agentrl.algos import get_advantage

spa = get_advantage("spa")


def test_gae_mode_over_step_rewards_without_adding_the_outcome(traj, rows_close):
    batch = [traj("g", 1.0, rewards=[0.5, 0.5], values=[0.4, 0.7])]
    delta_1 = 0.5 + 0.0 - 0.7  # -0.2
    delta_0 = 0.5 + 0.7 - 0.4  # 0.8
    rows_close(spa(batch, mode="gae"), [[delta_0 + delta_1, delta_1]])


def test_group_returns_mode_with_positional_baseline(traj):
    batch = [
        traj("g", 1.0, rewards=[0.5, 0.5]),
        traj("g", 0.0, rewards=[0.1]),
        traj("g", 0.0, rewards=[9.0], errored=True),
    ]
    advantages = spa(batch, gamma=0.5)  # the default mode is group_returns
    g_0 = [0.5 + 0.5 * 0.5, 0.5]  # [0.75, 0.5]
    g_1 = [0.1]
    mean_t0 = (g_0[0] + g_1[0]) / 2  # 0.425
    assert advantages[0] == pytest.approx([g_0[0] - mean_t0, 0.0])
    assert advantages[1] == pytest.approx([g_1[0] - mean_t0])
    assert advantages[2] == [0.0]


def test_group_of_one_gets_zero_in_group_returns_mode(traj):
    assert spa([traj("solo", 1.0, rewards=[0.3, 0.2])], mode="group_returns") == [[0.0, 0.0]]
