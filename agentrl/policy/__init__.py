"""Policies: the `Policy` protocol, the Hugging Face backend and model resolution."""

from agentrl.policy.base import Generation, Policy, SamplingParams, TokenScores
from agentrl.policy.resolve import DEFAULT_MODEL

__all__ = ["DEFAULT_MODEL", "Generation", "Policy", "SamplingParams", "TokenScores"]
