"""The LLM action scorer against a direct forward pass of a tiny model, and episodes sampled
from the scored distribution."""

from __future__ import annotations

import math

import pytest
import torch

from agentrl.lab.scorers import LLMScorer, ScoredPolicy
from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy

MESSAGES = [{"role": "user", "content": "Hall.\n\nAdmissible actions: go east, look"},
            {"role": "assistant", "content": "<action>"}]


def test_llm_scores_are_the_replies_token_log_probs_normalised_over_the_listed_actions(
) -> None:
    policy = HFPolicy.from_name("tiny:llama")
    scorer = LLMScorer(policy, response_prefix="<action>")
    actions = ["go east", "look"]
    probs = scorer.distribution(MESSAGES, actions)
    prompt = policy.render(MESSAGES)
    direct = []
    for action in actions:  # Σ log π(token) by one plain forward pass over prompt + reply
        reply = policy.tokenizer(f"{action}</action>", add_special_tokens=False)["input_ids"]
        ids = torch.tensor([prompt + reply])
        with torch.no_grad():
            logp = torch.log_softmax(policy.model(input_ids=ids).logits[0].float(), dim=-1)
        direct.append(sum(logp[len(prompt) - 1 + i, tok].item() for i, tok in enumerate(reply)))
    norm = sum(math.exp(x) for x in direct)
    assert probs == pytest.approx([math.exp(x) / norm for x in direct], rel=1e-3)
    assert scorer.distribution(MESSAGES, actions) == probs and scorer.calls == 1  # memoised
    assert scorer.distribution(MESSAGES, actions[::-1]) == pytest.approx(probs[::-1], rel=1e-3)
    assert scorer.calls == 2  # another action list is another query
    with pytest.raises(ValueError, match="response_prefix"):
        LLMScorer(policy, response_prefix="Sure").continuation("look")


def test_scored_policy_samples_listed_actions_with_their_log_probs() -> None:
    class Fixed:
        def distribution(self, messages, actions):
            return [0.0, 1.0]

    generation = ScoredPolicy(Fixed(), "<action>").generate([MESSAGES],
                                                            SamplingParams(seed=3))[0]
    assert generation.text == "look</action>" and generation.logprobs == [0.0]
