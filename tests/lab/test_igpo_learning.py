"""IGPO's information gain for the tabular learner, by hand."""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.core.types import GroupKey, Observation, Task, Trajectory, Turn
from agentrl.lab.igpo_learning import self_answer_probability, self_information_gain
from agentrl.policy.tabular import TabularPolicy


def prompt(text: str) -> list[dict]:
    return [{"role": "user", "content": f"{text}\n\nAdmissible actions: answer: Oslo, "
                                        "answer: Rome, open: D1, search: Ada"}]


def test_the_answer_probability_is_conditional_on_answering() -> None:
    policy = TabularPolicy()
    first = policy.generate([prompt("start")], _sampling())[0].prompt_ids[0]
    assert self_answer_probability(policy, first, "Oslo") == pytest.approx(0.5)
    with torch.no_grad():  # logits: Oslo log 3, Rome 0, open 5, search 0
        policy.theta[first] += torch.tensor([math.log(3), 0.0, 5.0, 0.0], dtype=torch.float64)
    assert self_answer_probability(policy, first, "Oslo") == pytest.approx(0.75)
    with pytest.raises(ValueError, match="does not list 'answer: Paris'"):
        self_answer_probability(policy, first, "Paris")


def test_turn_rewards_are_the_gains_then_the_outcome() -> None:
    policy = TabularPolicy()
    ids = [policy.generate([prompt(t)], _sampling())[0].prompt_ids for t in ("a", "b", "c")]
    with torch.no_grad():  # p = 0.5, 0.75, 0.25 at the three prompts
        policy.theta[ids[1][0]][0] += math.log(3)
        policy.theta[ids[2][0]][1] += math.log(3)
    task = Task(id="q", env_id="x", split="train", instruction="?", ground_truth="Oslo")
    turns = [Turn(observation=Observation(text="", state_key=str(i)), action="search: Ada",
                  response="", prompt_ids=p) for i, p in enumerate(ids)]
    batch = [Trajectory(task=task, group=GroupKey(task_id="q", repetition=0), member=0,
                        turns=turns, outcome_reward=1.0, success=True)]
    shaped = self_information_gain(policy)(batch)
    assert [t.reward for t in shaped[0].turns] == pytest.approx([0.25, -0.5, 1.0])
    assert [t.reward for t in batch[0].turns] == [0.0, 0.0, 0.0]  # the batch is not changed


def _sampling():
    from agentrl.policy.base import SamplingParams

    return SamplingParams(temperature=1.0, seed=0)
