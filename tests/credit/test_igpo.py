"""IGPO advantages, computed by hand.

Sources: the paper (Wang et al. 2025, arXiv 2510.14967v1, §3: turn rewards r_{i,t} = IG on
t < T and the outcome on T; group-normalised, discounted turn advantages) for
``form="paper"``; the authors' code GuoqingWang1/IGPO @ bff163b,
``verl/trainer/ppo/core_algos.py::compute_grpo_outcome_advantage`` (γ = 1 return, column
mean of the group's zero-padded return rows, no std) for ``form="code"``.
"""

import math

import pytest

from agentrl.credit import get_advantage

igpo = get_advantage("igpo")


def _group(traj):
    # turn rewards as the IGPO shaping writes them: IG on non-final turns, outcome last
    return [
        traj("g", 1.0, rewards=[0.2, 1.0]),
        traj("g", 0.0, rewards=[-0.1, 0.3, 0.5]),
    ]


def test_paper_form_z_normalises_all_turn_rewards_of_the_group_then_sums(traj):
    pooled = [0.2, 1.0, -0.1, 0.3, 0.5]
    mean = sum(pooled) / 5  # 0.38
    std = math.sqrt(sum((r - mean) ** 2 for r in pooled) / 5)  # population std
    z = [(r - mean) / (std + 1e-6) for r in pooled]
    advantages = igpo(_group(traj))  # γ = 1
    assert advantages[0] == pytest.approx([z[0] + z[1], z[1]])
    assert advantages[1] == pytest.approx([z[2] + z[3] + z[4], z[3] + z[4], z[4]])
    discounted = igpo(_group(traj), gamma=0.5)  # A_{i,t} = Σ_{k≥t} γ^{k−t} r̂_{i,k}
    assert discounted[0] == pytest.approx([z[0] + 0.5 * z[1], z[1]])
    assert discounted[1] == pytest.approx([z[2] + 0.5 * z[3] + 0.25 * z[4],
                                           z[3] + 0.5 * z[4], z[4]])


def test_code_form_subtracts_the_column_mean_of_zero_padded_returns(traj):
    advantages = igpo(_group(traj), form="code")
    # returns (γ = 1): T0 [1.2, 1.0, (0)], T1 [0.7, 0.8, 0.5]
    # column means over both rows, T0 padded with 0 after its end: 0.95, 0.9, 0.25
    assert advantages[0] == pytest.approx([1.2 - 0.95, 1.0 - 0.9])
    assert advantages[1] == pytest.approx([0.7 - 0.95, 0.8 - 0.9, 0.5 - 0.25])


def test_code_form_refuses_a_discount(traj):
    with pytest.raises(ValueError, match="undiscounted"):
        igpo(_group(traj), form="code", gamma=0.9)
    with pytest.raises(ValueError, match=r"gamma=1.5"):
        igpo(_group(traj), gamma=1.5)
    with pytest.raises(ValueError, match="form"):
        igpo(_group(traj), form="tokens")


def test_all_equal_group_of_one_and_errored(traj, rows_close):
    batch = [
        traj("same", 1.0, rewards=[0.5, 0.5]),
        traj("same", 1.0, rewards=[0.5, 0.5]),
        traj("solo", 1.0, rewards=[0.4]),
        traj("same", 1.0, rewards=[3.0], errored=True),
    ]
    rows_close(igpo(batch), [[0.0, 0.0], [0.0, 0.0], [0.0], [0.0]])
    rows_close(igpo(batch, form="code"), [[0.0, 0.0], [0.0, 0.0], [0.0], [0.0]])


def test_outcome_add_puts_the_outcome_on_the_last_turn(traj):
    # for turn rewards that do not carry the outcome yet: r_{i,T} += R_i
    batch = [traj("g", 1.0, rewards=[0.0, 0.0]), traj("g", 0.0, rewards=[0.0, 0.0])]
    advantages = igpo(batch, form="code", outcome="add")
    # returns T0 [1, 1], T1 [0, 0]; column means 0.5, 0.5
    assert advantages == [pytest.approx([0.5, 0.5]), pytest.approx([-0.5, -0.5])]
