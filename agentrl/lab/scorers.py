"""Policies that score each admissible action: what the exact DP (`agentrl.lab.exact`) needs.

An `ActionScorer` gives π(a | prompt) over the actions a prompt lists, and the reply text
that yields each action. Two are provided:

- `TabularScorer`: the tabular softmax policy's own row (`agentrl.policy.tabular`).
- `LLMScorer`: a language model's probability of each action's reply text
  ``<action>a</action>`` (the part after the prompt's forced ``response_prefix``; the end-of-
  sequence token is not scored), **normalised over the listed actions**: the LLM restricted
  to its admissible replies. Its exact values are those of that restricted policy, which is
  why `ScoredPolicy` samples the report's episodes from the same distribution.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any, Protocol

import torch

from agentrl.policy.base import Generation, Messages, SamplingParams
from agentrl.policy.tabular import TabularPolicy, admissible_actions


def action_reply(action: str) -> str:
    """The reply that yields ``action`` in the ReAct format."""
    return f"<action>{action}</action>"


class ActionScorer(Protocol):
    """π(· | prompt) over the actions the prompt lists."""

    def distribution(self, messages: Messages, actions: list[str]) -> list[float]:
        """Probabilities of ``actions`` (summing to 1) given the prompt ``messages``."""
        ...


def greedy(probs: list[float]) -> list[float]:
    """One-hot on the first most probable action (temperature 0)."""
    best = max(range(len(probs)), key=probs.__getitem__)
    return [1.0 if i == best else 0.0 for i in range(len(probs))]


class TabularScorer:
    """The tabular policy's probabilities at ``temperature`` (0: greedy, first of ties, as
    its ``generate`` picks)."""

    def __init__(self, policy: TabularPolicy, temperature: float = 1.0) -> None:
        self.policy, self.temperature = policy, temperature

    def distribution(self, messages: Messages, actions: list[str]) -> list[float]:
        """π over ``actions``; they must be the prompt's listed actions."""
        row = self.policy.action_distribution(messages, self.temperature or 1.0)
        if list(row) != actions:
            raise ValueError(f"the prompt lists {list(row)}, the node {actions}")
        probs = list(row.values())
        return greedy(probs) if self.temperature == 0 else probs


class LLMScorer:
    """An `HFPolicy`'s reply probabilities normalised over the listed actions (module
    docstring), at ``temperature``. The policy is frozen while a scorer lives, so each
    (prompt, actions) is scored once and memoised: with Markov prompts the DP's nodes at
    different turns of one state, and the episodes sampled through `ScoredPolicy`, share it.
    ``calls`` counts the forward passes made."""

    def __init__(self, policy: Any, response_prefix: str = "", temperature: float = 1.0) -> None:
        if temperature <= 0:
            raise ValueError("LLMScorer needs a sampling temperature > 0")
        self.policy, self.prefix, self.temperature = policy, response_prefix, temperature
        self._memo: dict[str, list[float]] = {}
        self.calls = 0

    def continuation(self, action: str) -> str:
        """The generated part of the action's reply (after the forced prefix)."""
        reply = action_reply(action)
        if not reply.startswith(self.prefix):
            raise ValueError(f"response_prefix {self.prefix!r} does not start the reply "
                             f"{reply!r}; the LLM scorer supports the ReAct action format")
        return reply[len(self.prefix):]

    def log_scores(self, messages: Messages, actions: list[str]) -> list[float]:
        """Σ log π(token) of each action's continuation given the prompt (unnormalised)."""
        prompt = self.policy.render(messages)
        tokenizer = self.policy.tokenizer
        ids = [tokenizer(self.continuation(a), add_special_tokens=False)["input_ids"]
               for a in actions]
        with torch.no_grad():
            scores = self.policy.score([prompt] * len(ids), ids, temperature=self.temperature)
        return (scores.logprobs * scores.mask).sum(dim=1).tolist()

    def distribution(self, messages: Messages, actions: list[str]) -> list[float]:
        """softmax of `log_scores` over ``actions`` (memoised on the prompt and actions)."""
        key = json.dumps([messages, actions], sort_keys=True, ensure_ascii=False)
        if key not in self._memo:
            self.calls += 1
            logs = self.log_scores(messages, actions)
            top = max(logs)
            weights = [math.exp(x - top) for x in logs]
            total = sum(weights)
            self._memo[key] = [w / total for w in weights]
        return list(self._memo[key])


class ScoredPolicy:
    """A `Policy` that samples ``<action>a</action>`` from a scorer's distribution over the
    prompt's listed actions: episodes drawn from exactly the policy the DP evaluates."""

    def __init__(self, scorer: ActionScorer, response_prefix: str = "") -> None:
        self.scorer, self.prefix = scorer, response_prefix

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: list | None = None) -> list[Generation]:
        """One sampled action per conversation (the reply's part after the prefix)."""
        rng = random.Random(sampling.seed)
        out = []
        for messages in batch:
            actions = admissible_actions(messages)
            probs = self.scorer.distribution(messages, actions)
            choice = rng.choices(range(len(actions)), weights=probs)[0]
            out.append(Generation(text=action_reply(actions[choice])[len(self.prefix):],
                                  prompt_ids=[], token_ids=[choice],
                                  logprobs=[math.log(max(probs[choice], 1e-300))]))
        return out
