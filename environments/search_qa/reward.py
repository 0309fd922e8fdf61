"""Search-QA's reward: exact match of the answer is the outcome; token F1 is reported too.

Both are SQuAD-normalised (`agentrl.tools.rewards`); F1 goes to
``info["reward_components"]["f1"]`` so recipes can switch to ``reward: f1`` (IGPO's
outcome reward is F1 or exact match) without touching the env.
"""

from __future__ import annotations

from agentrl.tools.rewards import RewardFn, exact_match, f1

OUTCOME_REWARD: RewardFn = exact_match
COMPONENTS: dict[str, RewardFn] = {"f1": f1}
