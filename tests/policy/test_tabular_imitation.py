"""`TabularPolicy.imitate`: closed-form behaviour cloning, by hand and on a real env's
expert demonstrations with the real runner."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest

from agentrl.core.registry import make
from agentrl.policy.tabular import TabularPolicy
from agentrl.rollout.runner import RolloutOptions, RolloutRunner
from agentrl.run.warm_start import demonstration_examples


@dataclass
class Turn:
    messages: list[dict[str, str]]
    action: str


def prompt(observation: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"{observation}\nAdmissible actions: a, b, c"}]


def test_imitation_adds_the_bonus_to_the_experts_action_only() -> None:
    policy = TabularPolicy()
    assert policy.imitate([Turn(prompt("s1"), "b")], math.log(4.0)) == 1
    # θ = (0, ln 4, 0): π(b) = 4 / (1 + 4 + 1) = 2/3, the others 1/6 each
    assert policy.probabilities(0).tolist() == pytest.approx([1 / 6, 2 / 3, 1 / 6])
    policy.imitate([Turn(prompt("s2"), "c")], 1.0)
    assert policy.probabilities(1).tolist() == pytest.approx(
        [1 / (2 + math.e), 1 / (2 + math.e), math.e / (2 + math.e)])
    policy.imitate([Turn(prompt("s1"), "b")], math.log(4.0))  # again: ×4
    assert policy.probabilities(0)[1].item() == pytest.approx(16 / 18)


def test_an_action_the_prompt_does_not_list_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="'open door'.*max_actions_shown"):
        TabularPolicy().imitate([Turn(prompt("s"), "open door")], 1.0)
    with pytest.raises(ValueError, match="finite"):
        TabularPolicy().imitate([], math.inf)


def test_a_cloned_expert_solves_the_fork_where_uniform_rarely_does() -> None:
    options = RolloutOptions(group_size=8, workers=1)
    options.prompt.history, options.prompt.k = "last_k", 0

    def success(policy: TabularPolicy) -> float:
        runner = RolloutRunner(lambda: make("toy/fork", max_turns=10), policy, options)
        try:
            trajectories = runner.run(tasks, seed=3, progress=False)
        finally:
            runner.close()
        return sum(t.success for t in trajectories) / len(trajectories)

    env = make("toy/fork", max_turns=10)
    tasks = list(env.tasks("train"))[:2]
    examples = [e for task in tasks for e in demonstration_examples(env, task, options.prompt)]
    env.close()
    cloned = TabularPolicy()
    assert cloned.imitate(examples, 30.0) == len(examples) > 0
    assert success(cloned) == 1.0
    assert success(TabularPolicy()) < 0.5
