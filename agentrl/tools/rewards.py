"""Answer rewards for tool envs: exact match, token F1, and a judge wrapper, by name.

A reward is a plain callable ``reward(task, final_answer, trajectory_info) -> float``.
``trajectory_info`` holds what the episode did (``calls``: the tool calls with their
results, ``turns``); answer rewards ignore it. Recipes name rewards (``reward: f1``);
`get_reward` looks them up in `REWARDS` and a wrong name lists the registered ones.

Normalisation follows the SQuAD v1.1 evaluation script (Rajpurkar et al., 2016): lower-case,
drop punctuation, drop the articles a/an/the, collapse whitespace. A task's accepted answers
are ``task.ground_truth`` plus ``task.metadata["aliases"]``; the best-scoring one counts.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

from agentrl.core.registry_base import Registry
from agentrl.core.types import Task

RewardFn = Callable[[Task, str, Mapping[str, Any]], float]

REWARDS: Registry[RewardFn] = Registry("reward")


def register_reward(name: str) -> Callable[[RewardFn], RewardFn]:
    """Decorator: register a reward function under ``name`` for recipes."""
    return REWARDS.register(name)


def get_reward(name_or_fn: str | RewardFn) -> RewardFn:
    """The reward registered as ``name_or_fn``; callables pass through."""
    return name_or_fn if callable(name_or_fn) else REWARDS.get(name_or_fn)


def normalize_answer(text: str) -> str:
    """SQuAD normalisation: lower, no punctuation, no articles, single spaces."""
    text = text.lower()
    text = "".join(char for char in text if char not in set(string.punctuation))
    text = re.sub(r"\b(a|an|the)\b", " ", text)
    return " ".join(text.split())


def accepted_answers(task: Task) -> list[str]:
    """``ground_truth`` and its aliases; an error if the task has no ground truth."""
    if task.ground_truth is None:
        raise ValueError(
            f"task {task.id!r} has no ground_truth; answer rewards (exact_match, f1) need one"
        )
    return [task.ground_truth, *task.metadata.get("aliases", [])]


def exact_match_score(prediction: str, truth: str) -> float:
    """1.0 when the normalised strings are equal, else 0.0."""
    return float(normalize_answer(prediction) == normalize_answer(truth))


def f1_score(prediction: str, truth: str) -> float:
    """SQuAD token F1: harmonic mean of token precision and recall after normalisation."""
    predicted = normalize_answer(prediction).split()
    expected = normalize_answer(truth).split()
    common = Counter(predicted) & Counter(expected)
    overlap = sum(common.values())
    if overlap == 0:
        return 0.0
    precision = overlap / len(predicted)
    recall = overlap / len(expected)
    return 2 * precision * recall / (precision + recall)


@register_reward("exact_match")
def exact_match(task: Task, final_answer: str, trajectory_info: Mapping[str, Any]) -> float:
    """Exact match of the answer against the task's accepted answers (SQuAD EM)."""
    return max(exact_match_score(final_answer, truth) for truth in accepted_answers(task))


@register_reward("f1")
def f1(task: Task, final_answer: str, trajectory_info: Mapping[str, Any]) -> float:
    """Best token F1 of the answer against the task's accepted answers (SQuAD F1)."""
    return max(f1_score(final_answer, truth) for truth in accepted_answers(task))


JudgeFn = Callable[[str, str, "str | None"], "float | bool"]


def judge(fn: JudgeFn, *, low: float = 0.0, high: float = 1.0) -> RewardFn:
    """Wrap ``fn(question, answer, ground_truth) -> score`` (an LLM judge, a checker) as a reward.

    The score (a bool counts as 0/1) is clipped to ``[low, high]``. A judge that raises
    propagates: a failing judge is a bug to see, not a zero reward.
    """

    def reward(task: Task, final_answer: str, trajectory_info: Mapping[str, Any]) -> float:
        score = float(fn(task.instruction, final_answer, task.ground_truth))
        return min(high, max(low, score))

    reward.__name__ = f"judge({getattr(fn, '__name__', 'fn')})"
    return reward
