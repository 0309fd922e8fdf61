"""SPA-RL shaping: the step-reward arithmetic by hand, and the progress head on a tiny model."""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.credit.context import ShapingContext
from agentrl.credit.registry import SHAPINGS
from agentrl.policy.hf import HFPolicy
from agentrl.rewards.progress_model import ProgressEstimator
from agentrl.rewards.spa import spa, spa_step_rewards


@pytest.fixture(scope="module")
def policy() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


def model_trajectory(
    policy: HFPolicy, replies: list[str], outcome: float, *, valid: list[bool] | None = None,
    errored: bool = False,
) -> Trajectory:
    """A chat episode whose turns carry the tiny model's real prompt and action ids."""
    messages = [{"role": "user", "content": "Task: open the red door."}]
    turns = []
    for t, reply in enumerate(replies):
        turns.append(Turn(
            observation=Observation(text=messages[-1]["content"], state_key=f"s{t}"),
            prompt_ids=policy.render(messages),
            action=reply,
            action_ids=policy.tokenizer(reply, add_special_tokens=False)["input_ids"],
            info={"action_valid": True if valid is None else valid[t]},
            state_key=f"s{t}",
        ))
        messages += [{"role": "assistant", "content": reply},
                     {"role": "user", "content": f"You are in room {t + 1}."}]
    return Trajectory(task=Task(id="door", env_id="toy"), turns=turns, outcome_reward=outcome,
                      errored=errored, group_id="g")


def batch(policy: HFPolicy) -> list[Trajectory]:
    return [
        model_trajectory(policy, ["go north", "open door"], 1.0),
        model_trajectory(policy, ["go south", "look", "jump"], 0.0, valid=[True, False, True]),
        model_trajectory(policy, ["go north", "take key", "open door"], 1.0),
        model_trajectory(policy, ["sleep"], 0.0, errored=True),
    ]


def test_step_reward_adds_grounding_only_on_valid_actions():
    assert spa_step_rewards([0.2, -0.1, 0.4], [True, False, True]) == pytest.approx(
        [0.7, -0.1, 0.9]
    )
    assert spa_step_rewards([0.2, -0.1], [True, False], grounding=0.25) == pytest.approx(
        [0.45, -0.1]
    )


def test_step_reward_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="2 progress values but 1 validity"):
        spa_step_rewards([0.1, 0.2], [True])


def test_progress_loss_is_mse_of_summed_contributions():
    estimator = ProgressEstimator(2)
    with torch.no_grad():
        estimator.head.weight.copy_(torch.tensor([[1.0, 2.0]]))
        estimator.head.bias.fill_(0.5)
    features = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # c = [1.5, 2.5, 3.5]; trajectory sums [4.0, 3.5] vs R = [3.0, 2.0]: ((1)² + (1.5)²) / 2
    loss = estimator.loss(features, torch.tensor([0, 0, 1]), torch.tensor([3.0, 2.0]))
    assert loss.item() == pytest.approx(1.625)


def test_fresh_head_predicts_zero_progress():
    estimator = ProgressEstimator(3, hidden=8)
    assert estimator.contributions(torch.randn(4, 3)).tolist() == [0.0] * 4
    loss = estimator.loss(torch.randn(3, 3), torch.tensor([0, 1, 2]), torch.tensor([1.0, 0.0, 0.5]))
    assert loss.item() == pytest.approx((1.0 + 0.0 + 0.25) / 3)


def test_spa_is_registered():
    assert SHAPINGS.get("spa") is spa


def test_spa_rewrites_copies_with_progress_plus_grounding(policy):
    trajectories = batch(policy)
    context = ShapingContext(policy=policy)
    shaped = spa(trajectories, context=context, fit="online", epochs=3)
    assert [t.turns[0].reward for t in trajectories] == [0.0] * 4  # originals untouched
    assert [len(t.turns) for t in shaped] == [2, 3, 3, 1]
    assert shaped[3] == trajectories[3]  # errored: unchanged
    for trajectory in shaped[:3]:
        for turn in trajectory.turns:
            parts = turn.info["reward_components"]
            expected_g = 0.5 if turn.info["action_valid"] else 0.0
            assert parts["grounding"] == expected_g
            assert math.isfinite(parts["progress"])
            assert turn.reward == pytest.approx(parts["progress"] + expected_g)
    assert isinstance(context.state["spa"], ProgressEstimator)


@pytest.mark.slow
def test_progress_fit_error_drops_over_iterations(policy):
    trajectories = batch(policy)
    context = ShapingContext(policy=policy)

    def fit_error(shaped: list[Trajectory]) -> float:
        errors = [
            (sum(turn.info["reward_components"]["progress"] for turn in t.turns)
             - t.outcome_reward) ** 2
            for t in shaped[:3]
        ]
        return sum(errors) / len(errors)

    first = fit_error(spa(trajectories, context=context, fit="online", lr=1e-2, epochs=2))
    spa(trajectories, context=context, fit="online", lr=1e-2, epochs=4)
    last = fit_error(spa(trajectories, context=context, fit="online", lr=1e-2, epochs=4))
    assert last < first


@pytest.mark.slow
def test_progress_head_resumes_from_checkpoint(policy):
    trajectories = batch(policy)
    trained = ShapingContext(policy=policy)
    spa(trajectories, context=trained, fit="online", lr=1e-2, epochs=3, hidden=8)
    resumed = ShapingContext(policy=policy, restored={"spa": trained.state["spa"].state_dict()})
    expected = spa(trajectories, context=trained, fit="online", epochs=0, hidden=8)
    actual = spa(trajectories, context=resumed, fit="online", epochs=0, hidden=8)
    assert [turn.reward for t in actual for turn in t.turns] == pytest.approx(
        [turn.reward for t in expected for turn in t.turns]
    )
    assert "spa" not in resumed.restored


def test_checkpoint_with_another_head_shape_is_a_clear_error():
    state = ProgressEstimator(4, hidden=8).state_dict()
    with pytest.raises(ValueError, match="hidden=8"):
        ProgressEstimator(4).load_state_dict(state)
