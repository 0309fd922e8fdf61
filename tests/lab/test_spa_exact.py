"""SPA's exact targets (Q_t and Δ_t) computed by hand on the three-state world, the token ids
written into scored episodes, deduplicated features, and the group bootstrap."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from agentrl.core.types import Trajectory, Turn
from agentrl.credit.context import hidden_features
from agentrl.lab.exact import NotEnumerable, evaluate
from agentrl.lab.scorers import LLMScorer, TabularScorer
from agentrl.lab.spa_exact import (
    exact_progress,
    group_interval,
    rmse,
    tokenize_turns,
    unique_turn_features,
)
from agentrl.policy.hf import HFPolicy
from agentrl.policy.tabular import TabularPolicy
from tests.lab.test_exact import MARKOV, ThreeStates, graph_of


def episode(*steps: tuple[str, str], outcome: float = 0.0) -> Trajectory:
    """An episode of the three-state world: (state, action) per turn."""
    task = ThreeStates().tasks("train")[0]
    env = ThreeStates()
    env.reset(task)
    turns = []
    for state, action in steps:
        env.state = state
        turns.append(Turn(observation=env.observation(), action=action, state_key=state))
    return Trajectory(task=task, turns=turns, outcome_reward=outcome)


def test_progress_targets_are_q_and_its_increments_by_hand() -> None:
    graph, _ = graph_of()
    values = evaluate(graph, TabularScorer(TabularPolicy()))
    # uniform: Q(A, left) = V(B) = ½, Q(B, win) = 1; Q(A, right) = V(C) = ⅓, Q(C, wait) = 0
    q, delta = exact_progress(graph, values, [episode(("A", "left"), ("B", "win"), outcome=1),
                                              episode(("A", "right"), ("C", "wait"))],
                              [None, None])
    assert q == [pytest.approx([1 / 2, 1.0]), pytest.approx([1 / 3, 0.0])]
    # Δ_0 = Q_0; Δ_1 = Q_1 − Q_0 = A^π(s_1, a_1): 1 − ½ and 0 − ⅓
    assert delta == [pytest.approx([1 / 2, 1 / 2]), pytest.approx([1 / 3, -1 / 3])]
    with pytest.raises(NotEnumerable, match="not a listed"):
        exact_progress(graph, values, [episode(("A", "jump"))], [None])


def test_token_ids_and_deduplicated_features_equal_a_direct_read() -> None:
    policy = HFPolicy.from_name("tiny:llama")
    scorer = LLMScorer(policy, response_prefix="<action>")
    episodes = [episode(("A", "left"), ("B", "win"), outcome=1.0), episode(("A", "left"))]
    tokenize_turns(policy, episodes, ThreeStates().spec, MARKOV, scorer.continuation)
    first = episodes[0].turns[0]
    assert first.action_ids == policy.tokenizer("left</action>",
                                                 add_special_tokens=False)["input_ids"]
    assert first.prompt_ids == episodes[1].turns[0].prompt_ids  # same state, Markov prompt
    features, owner, outcomes = unique_turn_features(policy, episodes)
    direct = hidden_features(policy, [t.prompt_ids + t.action_ids for e in episodes
                                      for t in e.turns])
    assert torch.allclose(features, direct, atol=1e-5)
    assert owner.tolist() == [0, 0, 1] and outcomes.tolist() == [1.0, 0.0]


def test_group_interval_and_rmse() -> None:
    estimate, truth = np.array([0.0, 1.0, 2.0, 4.0]), np.array([0.0, 1.0, 2.0, 2.0])
    assert rmse(estimate, truth) == pytest.approx(1.0)  # √(4 / 4)
    interval = group_interval(rmse, estimate, truth, np.array([0, 0, 1, 1]), draws=200)
    assert interval.value == pytest.approx(1.0)
    # resampling the two groups: RMSE 0 (group 0 twice), 1, or √2 (group 1 twice)
    assert interval.low == pytest.approx(0.0) and interval.high == pytest.approx(2 ** 0.5)
