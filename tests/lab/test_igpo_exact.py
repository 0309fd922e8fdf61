"""The ε-oracle's exact values by hand, and its episodes on search-QA."""

from __future__ import annotations

import random

import pytest

import agentrl
from agentrl.core.types import GroupKey
from agentrl.lab.igpo_exact import noisy_oracle_episode, oracle_value
from agentrl.rollout.prompts import PromptOptions


def test_oracle_value_by_hand() -> None:
    # 2 replies due in 3 turns at ε = ½: P[Bin(3, ½) ≥ 2] = (3 + 1) / 8
    assert oracle_value(1, 3, 3, 0.5) == pytest.approx(0.5)
    assert oracle_value(0, 3, 2, 0.0) == 0.0  # cannot fit
    assert oracle_value(3, 3, 0, 0.9) == 1.0  # answered
    assert oracle_value(0, 2, 2, 0.25) == pytest.approx(0.75 ** 2)
    with pytest.raises(ValueError, match="epsilon"):
        oracle_value(0, 1, 1, 1.5)


@pytest.mark.parametrize("epsilon", [0.0, 1.0])
def test_episodes_of_the_pure_oracle_and_of_pure_distraction(epsilon: float) -> None:
    env = agentrl.make("tools/search-qa", scale=1, max_hops=2, max_turns=6)
    task = env.tasks("train")[0]
    names = sorted({n for t in env.tasks("train") for n in t.metadata["lookup_names"]})
    trajectory, advantages = noisy_oracle_episode(
        env, task, names, epsilon, random.Random(0), PromptOptions(),
        group=GroupKey.for_tasks([task])[0], member=0)
    env.close()
    n = 2 * len(task.metadata["lookups"]) + 1
    if epsilon == 0.0:  # V = 1 throughout (n ≤ 5 ≤ 6 turns): every turn adds nothing
        assert trajectory.success and len(trajectory.turns) == n
        assert advantages == [0.0] * n
    else:  # never on the script: V = 0 throughout, the turn limit ends it
        assert not trajectory.success and len(trajectory.turns) == 6
        assert advantages == [0.0] * 6
        assert all("search" in turn.action for turn in trajectory.turns)
    assert all(turn.prompt_messages for turn in trajectory.turns)


def test_turn_values_telescope_to_the_outcome_minus_the_start_value() -> None:
    env = agentrl.make("tools/search-qa", scale=1, max_hops=2, max_turns=6)
    tasks = env.tasks("train")[:3]
    names = sorted({n for t in env.tasks("train") for n in t.metadata["lookup_names"]})
    rng, outcomes = random.Random(1), set()
    for task in tasks:
        for member in range(3):
            trajectory, advantages = noisy_oracle_episode(
                env, task, names, 0.5, rng, PromptOptions(),
                group=GroupKey.for_tasks([task])[0], member=member)
            n = 2 * len(task.metadata["lookups"]) + 1
            start = oracle_value(0, n, 6, 0.5)
            assert sum(advantages) == pytest.approx(float(trajectory.success) - start)
            assert trajectory.outcome_reward == float(trajectory.success)
            outcomes.add(trajectory.success)
    env.close()
    assert outcomes == {True, False}  # both kinds of episode were checked
