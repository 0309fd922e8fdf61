"""GAE: hand-computed δ and Â over turns and over action tokens, and the critic's targets."""

import pytest

from agentrl.credit import get_advantage
from agentrl.credit.advantages import gae_returns

gae = get_advantage("gae")


def test_gae_over_turns_with_outcome_on_the_last_turn(traj, rows_close):
    batch = [traj("g", 1.0, rewards=[0.0, 0.5], values=[0.2, 0.6])]
    advantages = gae(batch, gamma=0.9, lam=0.8)
    delta_1 = (0.5 + 1.0) + 0.9 * 0.0 - 0.6  # 0.9 (terminal: V_T = 0)
    delta_0 = 0.0 + 0.9 * 0.6 - 0.2  # 0.34
    a_1 = delta_1
    a_0 = delta_0 + 0.9 * 0.8 * a_1  # 0.988
    rows_close(advantages, [[a_0, a_1]])
    rows_close(gae_returns(batch, gamma=0.9, lam=0.8), [[a_0 + 0.2, a_1 + 0.6]])


def test_outcome_replace_and_trajectories_of_different_lengths(traj):
    batch = [
        traj("g", 1.0, rewards=[0.0, 0.5], values=[0.2, 0.6]),
        traj("g", 0.0, rewards=[0.0], values=[0.5]),
    ]
    advantages = gae(batch, gamma=1.0, lam=1.0, outcome="replace")
    # r = [0, 1]: Â_1 = 1 - 0.6 = 0.4, Â_0 = (0 + 0.6 - 0.2) + 0.4 = 0.8 ( = G_0 - V_0)
    assert advantages[0] == pytest.approx([0.8, 0.4])
    assert advantages[1] == pytest.approx([0.0 - 0.5])


def test_missing_value_names_the_key(traj):
    with pytest.raises(KeyError, match=r"turn.info\['value'\]"):
        gae([traj("g", 1.0, n=2)])


def test_errored_trajectory_needs_no_values_and_gets_zeros(traj, rows_close):
    batch = [traj("g", 1.0, n=2, errored=True), traj("g", 1.0, values=[1.0])]
    rows_close(gae(batch), [[0.0, 0.0], [0.0]])
    rows_close(gae_returns(batch), [[0.0, 0.0], [1.0]])


def test_token_level_gae_runs_over_each_trajectory_s_action_tokens(traj):
    batch = [
        traj("g", 1.0, rewards=[0.1, 0.0], tokens=[2, 1],
             infos=[{"token_values": [0.5, 0.4]}, {"token_values": [0.6]}]),
        # a turn without tokens: its reward 0.5 lands on the first token after it
        traj("g", 0.0, rewards=[0.5, 0.0], tokens=[0, 1],
             infos=[{"token_values": []}, {"token_values": [0.2]}]),
        traj("g", 1.0, tokens=[3], errored=True),
    ]
    gamma, lam = 0.9, 0.8
    # trajectory 0, tokens (V, r): (0.5, 0), (0.4, 0.1 = turn 0's reward), (0.6, 0 + R = 1)
    a2 = 1.0 + gamma * 0.0 - 0.6
    a1 = (0.1 + gamma * 0.6 - 0.4) + gamma * lam * a2
    a0 = (0.0 + gamma * 0.4 - 0.5) + gamma * lam * a1
    b0 = 0.5 + 0.0 + gamma * 0.0 - 0.2
    advantages = get_advantage("gae")(batch, gamma=gamma, lam=lam, level="token")
    assert advantages[0][0] == pytest.approx([a0, a1]) and advantages[0][1] == pytest.approx([a2])
    assert advantages[1][0] == 0.0 and advantages[1][1] == pytest.approx([b0])
    assert advantages[2] == [0.0]
    targets = gae_returns(batch, gamma=gamma, lam=lam, level="token")
    assert targets[0][0] == pytest.approx([a0 + 0.5, a1 + 0.4])
    assert targets[1][1] == pytest.approx([b0 + 0.2])


def test_token_level_gae_checks_its_values(traj):
    with pytest.raises(KeyError, match=r"turn.info\['token_values'\]"):
        get_advantage("gae")([traj("g", 1.0, tokens=[2])], level="token")
    with pytest.raises(ValueError, match="turn 0 of task .task-g. has 1 token_values entries"):
        get_advantage("gae")([traj("g", 1.0, tokens=[2], infos=[{"token_values": [0.1]}])],
                             level="token")
