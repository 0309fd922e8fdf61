"""IGPO's turn rewards for the tabular learner on a small search-QA world
(``benchmarks/credit_igpo_learning.py``).

The world: search-QA cut to a menu of replies (`agentrl.lab.menu`; 1-hop questions, each
task's menu = its own search / open / answer and another task's), so the policy's exact
success is computable by DP (`agentrl.lab.learning`).

IGPO's turn reward (`agentrl.rewards.igpo`, Wang et al. 2025) is the gain in the
probability of the ground-truth answer, r_t = p_{t+1} − p_t, with p_k = π(answer | the
context before turn k + 1), and the outcome on the last turn. Two readings of p here:

- ``self`` — the acting (tabular) policy's own probability of the ground-truth answer's
  label at turn k's prompt, **given that it answers**: π(answer: y* | s_k) / Σ_{answer
  labels a} π(a | s_k) — IGPO's definition (π_θ is the policy being trained; IGPO forces an
  answer prefix, hence the conditioning), with the tabular policy's context being its
  Markov prompt. From uniform it is 1 / (number of answers) everywhere, so the gains start
  at 0 and grow only as the policy learns where to answer.
- ``llm`` — a **named deviation**: a frozen language model (the embedded SmolLM2) scores
  the answer's tokens after the full interaction so far and an ``<answer>`` prefix
  (`agentrl.rewards.igpo.answer_probabilities`: exp of the mean token log-prob), while the
  tabular policy acts. The model reads the opened documents, so its gains mark the turns
  that reveal the answer from the first update on — what IGPO's 7B policies provide, which
  a tabular policy cannot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentrl.core.types import EnvSpec, Trajectory
from agentrl.lab.menu import answer_label
from agentrl.policy.tabular import TabularPolicy
from agentrl.rewards.igpo import answer_probabilities, information_gain
from agentrl.rollout.prompts import PromptOptions, build_messages

MENU_ENV = "agentrl.lab.menu:MenuEnv"


def small_world(max_turns: int = 4, tasks_per_split: int | None = None) -> dict[str, Any]:
    """``env_kwargs`` of the 1-hop search-QA menu world (``env_id``: `MENU_ENV`)."""
    return {"inner": "tools/search-qa", "inner_kwargs": {"max_hops": 1, "max_turns": max_turns},
            "others": 1, "tasks_per_split": tasks_per_split}


def self_answer_probability(policy: TabularPolicy, prompt_id: int, answer: str) -> float:
    """π(answer: ``answer`` | prompt) / Σ over the prompt's answer labels (module docstring)."""
    actions = policy.prompts[prompt_id][1]
    target = answer_label(answer)
    if target not in actions:
        raise ValueError(f"igpo: the prompt does not list {target!r}; the menu must hold the "
                         "ground-truth answer")
    probs = policy.probabilities(prompt_id).tolist()
    answers = sum(p for a, p in zip(actions, probs, strict=True) if a.startswith("answer: "))
    return probs[actions.index(target)] / answers


def write_gains(trajectory: Trajectory, p: list[float]) -> None:
    """turn.reward ← IGPO's r_t from p_0 … p_{T−1}, the outcome on the last turn."""
    rewards = information_gain(p, trajectory.outcome_reward) if len(p) > 1 else [
        float(trajectory.outcome_reward)]
    for turn, reward in zip(trajectory.turns, rewards, strict=True):
        turn.reward = reward


def self_information_gain(policy: TabularPolicy) -> Callable[[list[Trajectory]],
                                                             list[Trajectory]]:
    """The batch shaping of the ``self`` reading (a deep copy of the batch, rewards set)."""
    def shape(batch: list[Trajectory]) -> list[Trajectory]:
        batch = [t.model_copy(deep=True) for t in batch]
        for trajectory in batch:
            if trajectory.errored or not trajectory.turns:
                continue
            answer = trajectory.task.ground_truth or ""
            write_gains(trajectory, [self_answer_probability(policy, turn.prompt_ids[0], answer)
                                     for turn in trajectory.turns])
        return batch
    return shape


class FrozenAnswerScorer:
    """p_k of the ``llm`` reading: a frozen `HFPolicy` scores the ground truth after the full
    interaction before turn k + 1 and ``answer_prefix``; memoised on the context's ids."""

    def __init__(self, model: Any, spec: EnvSpec, answer_prefix: str = "<answer>") -> None:
        self.model, self.spec, self.prefix = model, spec, answer_prefix
        self.prompt = PromptOptions(history="full")
        self.memo: dict[tuple[int, ...], float] = {}

    def probabilities(self, trajectory: Trajectory) -> list[float]:
        """p_0 … p_{T−1} of one trajectory (contexts before each of its turns)."""
        task, turns = trajectory.task, trajectory.turns
        tokenizer = self.model.tokenizer
        prefix = tokenizer(self.prefix, add_special_tokens=False)["input_ids"]
        contexts = [tuple(self.model.render(build_messages(
            task, self.spec, turns[:k], turns[k].observation, self.prompt)) + prefix)
            for k in range(len(turns))]
        missing = sorted({c for c in contexts if c not in self.memo})
        if missing:
            answer = tokenizer(task.ground_truth or "", add_special_tokens=False)["input_ids"]
            found = answer_probabilities(self.model, [list(c) for c in missing],
                                         [answer] * len(missing))
            self.memo.update(zip(missing, found, strict=True))
        return [self.memo[c] for c in contexts]


def llm_information_gain(scorer: FrozenAnswerScorer) -> Callable[[list[Trajectory]],
                                                                 list[Trajectory]]:
    """The batch shaping of the ``llm`` reading (a deep copy of the batch, rewards set)."""
    def shape(batch: list[Trajectory]) -> list[Trajectory]:
        batch = [t.model_copy(deep=True) for t in batch]
        for trajectory in batch:
            if not trajectory.errored and trajectory.turns:
                write_gains(trajectory, scorer.probabilities(trajectory))
        return batch
    return shape
