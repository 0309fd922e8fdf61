"""Policies: the `Policy` and `Sampler` protocols, the sampling backends (``hf``, ``vllm``)
and model resolution."""

from agentrl.policy.base import Generation, Policy, Sampler, SamplingParams, TokenScores
from agentrl.policy.options import DEFAULT_MODEL

__all__ = ["DEFAULT_MODEL", "Generation", "Policy", "Sampler", "SamplingParams", "TokenScores"]
