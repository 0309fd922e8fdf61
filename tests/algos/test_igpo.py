"""IGPO: hand-computed group-normalised information-gain advantages (both forms)."""

import math

import pytest

from agentrl.algos import get_advantage

igpo = get_advantage("igpo")


def _group(traj):
    # turn rewards as the IGPO shaping writes them: IG on non-final turns, outcome last
    return [
        traj("g", 1.0, rewards=[0.2, 1.0]),
        traj("g", 0.0, rewards=[-0.1, 0.3, 0.0]),
    ]


def test_paper_form_z_normalises_all_turn_rewards_then_sums(traj):
    pooled = [0.2, 1.0, -0.1, 0.3, 0.0]
    mean = sum(pooled) / 5  # 0.28
    std = math.sqrt(sum((r - mean) ** 2 for r in pooled) / 5)  # sqrt(0.1496)
    z = [(r - mean) / (std + 1e-6) for r in pooled]
    advantages = igpo(_group(traj))
    assert advantages[0] == pytest.approx([z[0] + z[1], z[1]])
    assert advantages[1] == pytest.approx([z[2] + z[3] + z[4], z[3] + z[4], z[4]])
    discounted = igpo(_group(traj), gamma=0.5)
    assert discounted[0] == pytest.approx([z[0] + 0.5 * z[1], z[1]])


def test_code_form_uses_undiscounted_returns_minus_positional_group_mean(traj):
    advantages = igpo(_group(traj), form="code")
    # returns: T0 [1.2, 1.0], T1 [0.2, 0.3, 0.0]; position means 0.7, 0.65, 0.0
    assert advantages[0] == pytest.approx([1.2 - 0.7, 1.0 - 0.65])
    assert advantages[1] == pytest.approx([0.2 - 0.7, 0.3 - 0.65, 0.0 - 0.0])


def test_all_equal_group_of_one_and_errored(traj, rows_close):
    batch = [
        traj("same", 1.0, rewards=[0.5, 0.5]),
        traj("same", 1.0, rewards=[0.5, 0.5]),
        traj("solo", 1.0, rewards=[0.4]),
        traj("same", 1.0, rewards=[3.0], errored=True),
    ]
    rows_close(igpo(batch), [[0.0, 0.0], [0.0, 0.0], [0.0], [0.0]])
    rows_close(igpo(batch, form="code"), [[0.0, 0.0], [0.0, 0.0], [0.0], [0.0]])
