"""Shared return helpers: reward placement, discounting, positional baseline."""

import numpy as np
import pytest

from agentrl.credit.advantages.batch import TurnBatch, discounted_returns_matrix, group_stats
from agentrl.credit.advantages.batch import positional_baseline as positional
from agentrl.credit.advantages.returns import (
    reward_matrix,
    turn_rewards,
)


def test_outcome_modes_place_the_outcome_on_the_last_turn(traj):
    t = traj("g", 1.0, rewards=[0.1, 0.2])
    assert turn_rewards(t, "add") == pytest.approx([0.1, 0.2 + 1.0])
    assert turn_rewards(t, "replace") == pytest.approx([0.1, 1.0])
    assert turn_rewards(t, "ignore") == pytest.approx([0.1, 0.2])
    assert turn_rewards(traj("g", 1.0, n=0), "add") == []


def test_turn_batch_pads_rows_and_scatters_back_with_errored_zeros(traj, rows_close):
    batch = TurnBatch.build([
        traj("a", 1.0, rewards=[0.1, 0.2]),
        traj("a", 5.0, rewards=[9.0], errored=True),
        traj("b", 0.0, rewards=[0.3]),
    ])
    rewards = reward_matrix(batch, "add")
    np.testing.assert_allclose(rewards, [[0.1, 1.2], [0.3, 0.0]])
    # matrix form of G_t = r_t + γ G_{t+1}: row 0 [0.1 + 0.5·1.2, 1.2], row 1 [0.3, 0]
    returns = discounted_returns_matrix(rewards, 0.5)
    np.testing.assert_allclose(returns, [[0.7, 1.2], [0.3, 0.0]])
    rows_close(batch.scatter(returns), [[0.7, 1.2], [0.0], [0.3]])


def test_positional_baseline_uses_only_trajectories_reaching_each_turn(traj):
    batch = TurnBatch.build([traj("g", n=2), traj("g", n=1)])
    returns = batch.matrix([1.0, 2.0, 3.0])  # rows [1, 2] and [3]
    # position 0: mean(1, 3) = 2; position 1: only row 0 → mean 2
    np.testing.assert_allclose(positional(batch, returns), [[1.0 - 2.0, 0.0], [1.0, 0.0]])


def test_group_stats_population_and_unbiased():
    values = np.array([1.0, 3.0, 5.0])
    mean, std, count = group_stats(values, np.array([0, 0, 1]), 2)
    assert mean.tolist() == [2.0, 5.0] and std.tolist() == [1.0, 0.0]
    assert count.tolist() == [2.0, 1.0]
    _, std_unbiased, _ = group_stats(values, np.array([0, 0, 1]), 2, unbiased=True)
    assert std_unbiased.tolist() == pytest.approx([2.0**0.5, 0.0])


def test_group_stats_frequency_weights_equal_repeated_samples():
    # [1, 3] weighted (2, 1) is the sample [1, 1, 3]: mean 5/3, unbiased var
    # ((2/3)^2 * 2 + (4/3)^2) / 2 = 4/3
    mean, std, count = group_stats(np.array([1.0, 3.0, 7.0]), np.array([0, 0, 1]), 2,
                                   unbiased=True, weights=np.array([2.0, 1.0, 0.0]))
    assert mean.tolist() == pytest.approx([5 / 3, 0.0]) and count.tolist() == [3.0, 0.0]
    assert std.tolist() == pytest.approx([(4 / 3) ** 0.5, 0.0])


def test_auto_adds_the_outcome_only_where_the_env_does_not_pay_it(traj):
    plain = traj("g", 1.0, rewards=[0.1, 0.2])
    paid = traj("g", 1.0, rewards=[0.1, 1.0])
    paid.step_rewards_include_outcome = True
    assert turn_rewards(plain) == pytest.approx([0.1, 1.2])  # default "auto" = "add" here
    assert turn_rewards(paid) == pytest.approx([0.1, 1.0])  # = "ignore": R counted once
    assert turn_rewards(paid, "add") == pytest.approx([0.1, 2.0])  # explicit: twice
    batch = TurnBatch.build([plain, paid, traj("h", 0.5, rewards=[0.3])])
    np.testing.assert_allclose(reward_matrix(batch), [[0.1, 1.2], [0.1, 1.0], [0.8, 0.0]])
    np.testing.assert_allclose(reward_matrix(batch, "add"),
                               [[0.1, 1.2], [0.1, 2.0], [0.8, 0.0]])
    with pytest.raises(ValueError, match="outcome='twice' is not allowed"):
        reward_matrix(batch, "twice")


@pytest.mark.parametrize("env_id", ["toy/fork", "toy/corridor", "toy/chain", "alfworld",
                                    "webshop", "gui-grounding", "gui-cursor", "tools/python",
                                    "tools/search-qa"])
def test_each_env_declares_whether_its_step_rewards_pay_the_outcome(env_id):
    """The declaration agrees with an expert episode: declared True ⇔ its step rewards sum
    to the outcome R (each of these pays R on its last step; swe pays 0 there and says so)."""
    from agentrl.core.registry import make
    from agentrl.rollout.runner import outcome_of

    env = make(env_id)
    task = env.tasks("train")[0]
    actions = env.demonstration(task)
    env.reset(task, seed=0)
    rewards = []
    for action in actions:
        result = env.step(action)
        rewards.append(result.reward)
        if result.terminated or result.truncated:
            break
    env.close()
    assert outcome_of(result) > 0
    assert env.spec.step_rewards_include_outcome
    assert sum(rewards) == pytest.approx(outcome_of(result))


def test_swe_declares_its_outcome_apart_from_step_rewards():
    """swe's submit step pays 0 and its outcome comes as outcome_reward: R is added once."""
    from agentrl.core.registry import make

    assert make("swe", backend="local").spec.step_rewards_include_outcome is False
