"""Exact turn values on search-QA under a noisy oracle, the truth IGPO's turn rewards are
compared with (``benchmarks/credit_igpo_exact.py``).

Search-QA's replies are free text, so its tree cannot be enumerated for an LLM; but for a
scripted policy its values are exact in closed form. The **ε-oracle** plays the oracle's
replies for the task (`agentrl.environments.search_qa.oracle`: search and open each entity
on the chain, then answer; n = 2·hops + 1 replies) in order, but at every turn, with
probability ε and independently, sends a distractor instead (a search for an entity off the
task's chain), which leaves its place in the script unchanged. The episode succeeds iff the
n scripted replies all fit in the turn limit M (the oracle's answer is right on every
generated task, tested by the env's suite). With k scripted replies sent and m turns left:

    V(k, m) = P[Binomial(m, 1 − ε) ≥ n − k]
            = Σ_{j = n−k}^{m} C(m, j) (1 − ε)^j ε^{m−j}      (V = 1 once k = n)

and turn t's action is worth Q_t = V(k_t + 1[scripted], m_t − 1), so
A^π(s_t, a_t) = Q_t − V(k_t, m_t): the value the turn adds (the world is deterministic).
"""

from __future__ import annotations

import json
import random
from math import comb

from agentrl.core.env import Env
from agentrl.core.types import GroupKey, Task, Trajectory, Turn
from agentrl.environments.search_qa.oracle import oracle_replies
from agentrl.rollout.prompts import PromptOptions, build_messages
from agentrl.rollout.runner import outcome_of


def distractor(name: str) -> str:
    """The reply that searches for ``name`` (the env's tool-call format)."""
    return f"<tool_call>{json.dumps({'name': 'search', 'arguments': {'query': name}})}</tool_call>"


def oracle_value(done: int, needed: int, left: int, epsilon: float) -> float:
    """V(k, m): the probability that the ``needed − done`` scripted replies still due fit
    in ``left`` turns when each turn is scripted with probability 1 − ε."""
    if not 0 <= epsilon <= 1:
        raise ValueError(f"epsilon={epsilon} must be in [0, 1]")
    due = needed - done
    if due <= 0:
        return 1.0
    p = 1.0 - epsilon
    return sum(comb(left, j) * p ** j * epsilon ** (left - j) for j in range(due, left + 1))


def noisy_oracle_episode(env: Env, task: Task, distractors: list[str], epsilon: float,
                         rng: random.Random, prompt: PromptOptions, *, group: GroupKey,
                         member: int) -> tuple[Trajectory, list[float]]:
    """One ε-oracle episode (module docstring) with every turn's prompt messages recorded,
    and A^π per turn; ``distractors``: entity names to search off the chain."""
    script = oracle_replies(task)
    off_chain = [d for d in distractors if d not in task.metadata["lookup_names"]]
    observation = env.reset(task)
    turns: list[Turn] = []
    advantages: list[float] = []
    done, left, result = 0, env.spec.max_turns, None
    while left > 0:
        scripted = rng.random() >= epsilon
        reply = script[done] if scripted else distractor(rng.choice(off_chain))
        messages = build_messages(task, env.spec, turns, observation, prompt)
        v = oracle_value(done, len(script), left, epsilon)
        done, left = done + int(scripted), left - 1
        advantages.append(oracle_value(done, len(script), left, epsilon) - v)
        result = env.step(reply)
        turns.append(Turn(observation=observation, prompt_messages=messages, action=reply,
                          response=reply, reward=result.reward, info=result.info,
                          state_key=observation.state_key))
        observation = result.observation
        if result.terminated or result.truncated:
            break
    assert result is not None
    return Trajectory(task=task, group=group, member=member, turns=turns,
                      success=bool(result.info.get("success", False)),
                      outcome_reward=outcome_of(result)), advantages
