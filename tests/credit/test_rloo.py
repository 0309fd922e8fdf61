"""RLOO: hand-computed leave-one-out advantages on toy batches."""

import pytest

from agentrl.credit import get_advantage


def test_leave_one_out_baseline_per_group_broadcast_to_turns(traj):
    batch = [traj("g", 1.0, n=2), traj("g", 0.0, n=1), traj("g", 0.5, n=3)]
    advantages = get_advantage("rloo")(batch)
    expected_0 = 1.0 - (0.0 + 0.5) / 2  # 0.75
    expected_1 = 0.0 - (1.0 + 0.5) / 2  # -0.75
    expected_2 = 0.5 - (1.0 + 0.0) / 2  # 0.0
    assert advantages[0] == pytest.approx([expected_0] * 2)
    assert advantages[1] == pytest.approx([expected_1])
    assert advantages[2] == pytest.approx([expected_2] * 3)


def test_group_of_one_and_all_equal_rewards_give_zero(traj):
    batch = [traj("solo", 1.0, n=2), traj("same", 0.3), traj("same", 0.3, n=2)]
    assert get_advantage("rloo")(batch) == [[0.0, 0.0], [0.0], [0.0, 0.0]]


def test_errored_trajectory_gets_zeros_and_is_left_out_of_the_baseline(traj):
    batch = [traj("g", 5.0, n=2, errored=True), traj("g", 0.0), traj("g", 1.0)]
    advantages = get_advantage("rloo")(batch)
    assert advantages[0] == [0.0, 0.0]
    assert advantages[1] == pytest.approx([0.0 - 1.0])
    assert advantages[2] == pytest.approx([1.0 - 0.0])


def test_several_groups_are_independent(traj, rows_close):
    batch = [traj("a", 1.0), traj("b", 2.0), traj("a", 0.0), traj("b", 0.0)]
    advantages = get_advantage("rloo")(batch)
    rows_close(advantages, [[1.0], [2.0], [-1.0], [-2.0]])
