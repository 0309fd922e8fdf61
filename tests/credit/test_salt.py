"""SALT: hand-computed edge-averaged advantages on toy trajectory graphs.

Source of the defaults: GRAFT (Yao et al.), Appendix A.3, on SALT (arXiv 2510.20022): GRPO
trajectory advantages, identical transitions (s, a, s′) of the group merged, each step given
the mean of the advantages its merged steps inherit. SALT's own method section was not
readable (see the module docstring), so no SALT equation number is cited.
"""

import math

import pytest

from agentrl.core.types import Observation
from agentrl.credit import get_advantage

salt = get_advantage("salt")


def _finish(trajectory, key):
    trajectory.final_observation = Observation(text=key, state_key=key)
    return trajectory


def test_default_merges_equal_transitions_and_averages_their_grpo_advantages(traj):
    # GRAFT App. A.3: Â from GRPO (DeepSeekMath §4.1.2, population std); merged (s, a, s′).
    batch = [
        _finish(traj("g", 1.0, keys=["s0", "s1"], actions=["a", "b"]), "win"),
        _finish(traj("g", 0.0, keys=["s0", "s1"], actions=["a", "c"]), "lose"),
        _finish(traj("g", 0.0, keys=["s0", "s2"], actions=["a", "d"]), "lose"),
    ]
    mean = 1 / 3
    std = math.sqrt(((1 - mean) ** 2 + 2 * mean**2) / 3)
    a = [(1 - mean) / (std + 1e-6), (0 - mean) / (std + 1e-6), (0 - mean) / (std + 1e-6)]
    # s0 -a-> s1 is taken by T0 and T1; s0 -a-> s2 by T2 alone; the last steps all differ.
    shared = (a[0] + a[1]) / 2
    advantages = salt(batch)
    assert advantages[0] == pytest.approx([shared, a[0]], abs=1e-9)
    assert advantages[1] == pytest.approx([shared, a[1]], abs=1e-9)
    assert advantages[2] == pytest.approx([a[2], a[2]], abs=1e-9)
    # agentrl's earlier default, (s, a) edges: (s0, a) is on all three → the group mean, 0
    old = salt(batch, node="state_action", count="trajectory")
    assert [row[0] for row in old] == pytest.approx([0.0, 0.0, 0.0], abs=1e-9)


def test_one_action_that_led_to_different_states_is_two_transitions(traj, rows_close):
    # a stochastic env: the same (s0, a) led to s1 in one episode and to s2 in the other
    won = _finish(traj("g", 1.0, keys=["s0", "s1"], actions=["a", "b"]), "end")
    lost = _finish(traj("g", 0.0, keys=["s0", "s2"], actions=["a", "b"]), "end")
    # rloo (Ahmadian et al. 2024, eq. 7): Â = [1, −1]
    rows_close(salt([won, lost], base="rloo"), [[1.0, 1.0], [-1.0, -1.0]])
    rows_close(salt([won, lost], base="rloo", node="state_action"), [[0.0, 1.0], [0.0, -1.0]])


def test_the_final_transition_merges_only_on_an_equal_final_state(traj, rows_close):
    first = _finish(traj("g", 1.0, keys=["s0"], actions=["a"]), "s9")
    second = _finish(traj("g", 0.0, keys=["s0"], actions=["a"]), "s9")
    rows_close(salt([first, second], base="rloo"), [[0.0], [0.0]])
    _finish(second, "s8")
    rows_close(salt([first, second], base="rloo"), [[1.0], [-1.0]])


def test_occurrence_count_weights_an_edge_by_its_steps(traj, rows_close):
    # "averages their inherited advantages": every merged step counts (GRAFT App. A.3)
    batch = [
        traj("g", 1.0, keys=["s0", "s0"], actions=["a", "a"]),
        traj("g", 0.0, keys=["s0"], actions=["a"]),
    ]
    # transitions: T0 s0-a->s0, s0-a->"" ; T1 s0-a->"" — the edge (s0, a, "") has steps
    # T0[1] (Â = 1) and T1[0] (Â = −1): mean 0; T0[0] is alone: 1
    rows_close(salt(batch, base="rloo"), [[1.0, 0.0], [0.0]])
    # (s, a) edges: one edge, three steps: (1 + 1 − 1) / 3 by occurrence, (1 − 1) / 2 per trajectory
    third = 1.0 / 3.0
    rows_close(salt(batch, base="rloo", node="state_action"), [[third, third], [third]])
    rows_close(salt(batch, base="rloo", node="state_action", count="trajectory"),
               [[0.0, 0.0], [0.0]])


def test_shared_steps_average_the_advantages_of_the_steps_on_them(traj):
    batch = [
        traj("g", 1.0, keys=["s0", "s1"], actions=["a", "b"]),
        traj("g", 0.0, keys=["s0", "s1", "s3"], actions=["a", "b", "e"]),
        traj("g", 0.0, keys=["s0"], actions=["x"]),
    ]
    advantages = salt(batch, base="rloo")
    a0 = 1.0 - (0.0 + 0.0) / 2  # 1.0
    a1 = 0.0 - (1.0 + 0.0) / 2  # -0.5
    a2 = 0.0 - (1.0 + 0.0) / 2  # -0.5
    shared = (a0 + a1) / 2  # s0 -a-> s1 is on T0 and T1: 0.25
    # T0's last step s1 -b-> "" (no final observation) and T1's s1 -b-> s3 differ
    assert advantages[0] == pytest.approx([shared, a0])
    assert advantages[1] == pytest.approx([shared, a1, a1])
    assert advantages[2] == pytest.approx([a2])


def test_prefix_nodes_do_not_merge_after_diverging_histories(traj, rows_close):
    batch = [
        traj("g", 1.0, keys=["s0", "s1"], actions=["a", "b"]),
        traj("g", 0.0, keys=["s0", "s1"], actions=["c", "b"]),
    ]
    # rloo: Â = [1, -1]; the second step s1 -b-> "" is one transition → 0
    rows_close(salt(batch, base="rloo"), [[1.0, 0.0], [-1.0, 0.0]])
    rows_close(salt(batch, base="rloo", node="prefix"), [[1.0, 1.0], [-1.0, -1.0]])


def test_group_of_one_errored_and_several_groups(traj, rows_close):
    batch = [
        traj("solo", 1.0, n=2),
        traj("g", 1.0, keys=["x"], actions=["a"]),
        traj("g", 0.0, keys=["x"], actions=["b"]),
        traj("g", 7.0, keys=["x"], actions=["a"], errored=True),
    ]
    advantages = salt(batch, normalize_std=False)
    rows_close(advantages, [[0.0, 0.0], [0.5], [-0.5], [0.0]])


def test_unknown_node_and_count_are_named(traj):
    batch = [traj("g", 1.0)]
    with pytest.raises(ValueError, match="node"):
        salt(batch, node="graph")
    with pytest.raises(ValueError, match="count"):
        salt(batch, count="twice")
