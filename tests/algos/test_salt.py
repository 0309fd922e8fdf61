"""SALT: hand-computed node-averaged advantages on toy trajectory graphs."""

import math

import pytest

from agentrl.algos import get_advantage

salt = get_advantage("salt")


def test_shared_steps_average_the_advantages_of_trajectories_through_them(traj):
    batch = [
        traj("g", 1.0, keys=["s0", "s1"], actions=["a", "b"]),
        traj("g", 0.0, keys=["s0", "s1", "s3"], actions=["a", "b", "e"]),
        traj("g", 0.0, keys=["s0"], actions=["x"]),
    ]
    advantages = salt(batch, base="rloo")
    a0 = 1.0 - (0.0 + 0.0) / 2  # 1.0
    a1 = 0.0 - (1.0 + 0.0) / 2  # -0.5
    a2 = 0.0 - (1.0 + 0.0) / 2  # -0.5
    shared = (a0 + a1) / 2  # nodes (s0,a) and (s1,b) are on T0 and T1: 0.25
    assert advantages[0] == pytest.approx([shared, shared])
    assert advantages[1] == pytest.approx([shared, shared, a1])
    assert advantages[2] == pytest.approx([a2])


def test_grpo_base_step_shared_by_all_is_neutral(traj):
    batch = [
        traj("g", 1.0, keys=["s0", "s1"], actions=["a", "b"]),
        traj("g", 0.0, keys=["s0", "s1"], actions=["a", "c"]),
        traj("g", 0.0, keys=["s0", "s2"], actions=["a", "d"]),
    ]
    advantages = salt(batch)
    mean = 1 / 3
    std = math.sqrt(((1 - mean) ** 2 + 2 * mean**2) / 3)
    a = [(1 - mean) / (std + 1e-6), (0 - mean) / (std + 1e-6), (0 - mean) / (std + 1e-6)]
    assert advantages[0] == pytest.approx([0.0, a[0]], abs=1e-9)
    assert advantages[1] == pytest.approx([0.0, a[1]], abs=1e-9)
    assert advantages[2] == pytest.approx([0.0, a[2]], abs=1e-9)


def test_prefix_nodes_do_not_merge_after_diverging_histories(traj, rows_close):
    batch = [
        traj("g", 1.0, keys=["s0", "s1"], actions=["a", "b"]),
        traj("g", 0.0, keys=["s0", "s1"], actions=["c", "b"]),
    ]
    # rloo: Â = [1, -1]; state_action merges the second step (s1, b) → 0
    rows_close(salt(batch, base="rloo"), [[1.0, 0.0], [-1.0, 0.0]])
    rows_close(salt(batch, base="rloo", node="prefix"), [[1.0, 1.0], [-1.0, -1.0]])


def test_a_trajectory_counts_once_at_a_node_it_revisits(traj, rows_close):
    batch = [
        traj("g", 1.0, keys=["s0", "s0"], actions=["a", "a"]),
        traj("g", 0.0, keys=["s0"], actions=["a"]),
    ]
    rows_close(salt(batch, base="rloo"), [[0.0, 0.0], [0.0]])


def test_group_of_one_errored_and_several_groups(traj, rows_close):
    batch = [
        traj("solo", 1.0, n=2),
        traj("g", 1.0, keys=["x"], actions=["a"]),
        traj("g", 0.0, keys=["x"], actions=["b"]),
        traj("g", 7.0, keys=["x"], actions=["a"], errored=True),
    ]
    advantages = salt(batch, normalize_std=False)
    rows_close(advantages, [[0.0, 0.0], [0.5], [-0.5], [0.0]])


def test_transition_nodes_split_one_action_that_led_to_different_states(traj, rows_close):
    from agentrl.core.types import Observation

    won = traj("g", 1.0, keys=["s0", "s1"], actions=["a", "b"])
    lost = traj("g", 0.0, keys=["s0", "s2"], actions=["a", "b"])
    won.final_observation = Observation(text="won", state_key="end")
    lost.final_observation = Observation(text="lost", state_key="end")
    # rloo: Â = [1, -1]. (s0, a) is one state-action edge (→ mean 0), but two transitions:
    # s0 -a-> s1 and s0 -a-> s2. The last steps (s1, b, end) and (s2, b, end) differ anyway.
    rows_close(salt([won, lost], base="rloo"), [[0.0, 1.0], [0.0, -1.0]])
    rows_close(salt([won, lost], base="rloo", node="transition"), [[1.0, 1.0], [-1.0, -1.0]])


def test_transition_nodes_merge_equal_transitions_including_the_final_one(traj, rows_close):
    from agentrl.core.types import Observation

    first = traj("g", 1.0, keys=["s0"], actions=["a"])
    second = traj("g", 0.0, keys=["s0"], actions=["a"])
    first.final_observation = Observation(text="x", state_key="s9")
    second.final_observation = Observation(text="x", state_key="s9")
    rows_close(salt([first, second], base="rloo", node="transition"), [[0.0], [0.0]])
    second.final_observation = Observation(text="y", state_key="s8")
    rows_close(salt([first, second], base="rloo", node="transition"), [[1.0], [-1.0]])


def test_occurrence_count_weights_an_edge_by_its_steps(traj, rows_close):
    batch = [
        traj("g", 1.0, keys=["s0", "s0"], actions=["a", "a"]),
        traj("g", 0.0, keys=["s0"], actions=["a"]),
    ]
    # rloo: Â = [1, -1]; the edge (s0, a) has three steps: (1 + 1 - 1) / 3
    third = 1.0 / 3.0
    rows_close(salt(batch, base="rloo", count="occurrence"), [[third, third], [third]])


def test_unknown_node_and_count_are_named(traj):
    batch = [traj("g", 1.0)]
    with pytest.raises(ValueError, match="node"):
        salt(batch, node="graph")
    with pytest.raises(ValueError, match="count"):
        salt(batch, count="twice")
