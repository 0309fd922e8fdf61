"""PPO critic: explained variance by hand, value annotation and fitting on a tiny model."""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.credit.advantages.gae import gae, gae_returns
from agentrl.credit.critic import Critic, explained_variance
from agentrl.policy.hf import HFPolicy


@pytest.fixture(scope="module")
def policy() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


def episode(
    policy: HFPolicy, task: str, replies: list[str], outcome: float, *, errored: bool = False
) -> Trajectory:
    messages = [{"role": "user", "content": f"Task: {task}."}]
    turns = []
    for t, reply in enumerate(replies):
        turns.append(Turn(
            observation=Observation(text=messages[-1]["content"], state_key=f"s{t}"),
            prompt_ids=policy.render(messages),
            action=reply,
            action_ids=policy.tokenizer(reply, add_special_tokens=False)["input_ids"],
            state_key=f"s{t}",
        ))
        messages += [{"role": "assistant", "content": reply},
                     {"role": "user", "content": f"Nothing happens ({t})."}]
    return Trajectory(task=Task(id="apple", env_id="toy"), turns=turns, outcome_reward=outcome,
                      errored=errored, group_id="g")


def batch(policy: HFPolicy) -> list[Trajectory]:
    return [episode(policy, "put the apple in the fridge", ["take apple", "open", "put"], 1.0),
            episode(policy, "heat the soup", ["look", "sleep"], 0.0),
            episode(policy, "wash the mug", ["take mug"], 0.0, errored=True)]


def test_explained_variance_by_hand():
    targets = [1.0, 2.0, 3.0, 4.0]  # population variance 1.25
    assert explained_variance(targets, targets) == 1.0
    assert explained_variance([0.0] * 4, targets) == 0.0
    assert explained_variance([2.0, 3.0, 4.0, 5.0], targets) == 1.0  # constant offset
    # residuals [0, 1, 0, 1]: variance 0.25 → 1 − 0.25 / 1.25
    assert explained_variance([1.0, 1.0, 3.0, 3.0], targets) == pytest.approx(0.8)
    assert math.isnan(explained_variance([0.0, 1.0], [2.0, 2.0]))


def test_annotate_writes_one_value_per_turn_of_non_errored(policy):
    trajectories = batch(policy)
    Critic(policy).annotate(trajectories)
    values = [[turn.info.get("value") for turn in t.turns] for t in trajectories]
    assert values == [[0.0, 0.0, 0.0], [0.0, 0.0], [None]]  # a fresh head predicts 0


def test_fit_lowers_the_value_loss_and_values_follow(policy):
    trajectories = batch(policy)
    critic = Critic(policy, lr=1e-2)
    returns = [[1.0, 1.0, 1.0], [0.0, 0.0], [0.0]]
    first = critic.fit(trajectories, returns, epochs=1)
    # before the first step the head predicts 0: squared error 3 ones, 2 zeros → 3 / 5
    assert first["loss/value"] == pytest.approx(0.6)
    assert first["train/explained_variance"] == pytest.approx(0.0)
    for _ in range(4):
        last = critic.fit(trajectories, returns, epochs=10)
    assert last["loss/value"] < first["loss/value"]
    assert last["train/explained_variance"] > 0.0
    critic.annotate(trajectories)
    winner = [turn.info["value"] for turn in trajectories[0].turns]
    loser = [turn.info["value"] for turn in trajectories[1].turns]
    assert min(winner) > max(loser)


def test_values_feed_gae(policy):
    trajectories = batch(policy)
    critic = Critic(policy)
    critic.annotate(trajectories)
    advantages = gae(trajectories)
    metrics = critic.fit(trajectories, gae_returns(trajectories))
    assert [len(row) for row in advantages] == [3, 2, 1]
    assert all(math.isfinite(v) for v in metrics.values())


def test_state_dict_round_trip(policy):
    trajectories = batch(policy)
    trained = Critic(policy, hidden=8, lr=1e-2)
    trained.fit(trajectories, [[1.0, 0.5, 1.0], [0.0, 0.2], [0.0]], epochs=3)
    restored = Critic(policy, hidden=8)
    restored.load_state_dict(trained.state_dict())
    expected = [t.model_copy(deep=True) for t in trajectories]
    trained.annotate(expected)
    restored.annotate(trajectories)
    assert [turn.info["value"] for t in trajectories[:2] for turn in t.turns] == pytest.approx(
        [turn.info["value"] for t in expected[:2] for turn in t.turns]
    )


def test_fit_rejects_returns_of_the_wrong_shape(policy):
    trajectories = batch(policy)
    with pytest.raises(ValueError, match="3 turns but 2 returns"):
        Critic(policy).fit(trajectories, [[1.0, 1.0], [0.0, 0.0], [0.0]])


def test_token_features_are_the_states_before_each_action_token(policy):
    from agentrl.credit.context import action_token_features, hidden_features

    prompts, actions = [[1, 5, 9, 3], [1, 7]], [[11, 12, 13], [21]]
    features = action_token_features(policy, prompts, actions)
    expected = hidden_features(policy, [[1, 5, 9, 3], [1, 5, 9, 3, 11], [1, 5, 9, 3, 11, 12],
                                        [1, 7]])
    torch.testing.assert_close(features, expected, atol=1e-5, rtol=1e-4)


def test_token_level_critic_annotates_fits_and_feeds_token_gae(policy):
    trajectories = batch(policy)
    critic = Critic(policy, level="token", lr=1e-2)
    critic.annotate(trajectories)
    for turn in trajectories[0].turns + trajectories[1].turns:
        assert turn.info["token_values"] == [0.0] * len(turn.action_ids)  # a fresh head
        assert turn.info["value"] == 0.0
    assert "token_values" not in trajectories[2].turns[0].info  # errored: left alone
    returns = gae_returns(trajectories, level="token")
    assert [len(entry) for entry in returns[0]] == [len(t.action_ids)
                                                    for t in trajectories[0].turns]
    first = critic.fit(trajectories, returns, epochs=1)
    for _ in range(4):
        last = critic.fit(trajectories, returns, epochs=10)
    assert last["loss/value"] < first["loss/value"]
    with pytest.raises(ValueError, match="needs a return per action token"):
        critic.fit(trajectories, gae_returns(trajectories))  # per-turn returns
