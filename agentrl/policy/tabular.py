"""A tabular softmax policy over the admissible actions its prompt lists: for credit
experiments that must run many seeds on a CPU, not a language model.

π(a | prompt) = softmax(θ_prompt)[a] over the actions of the prompt's "Admissible actions:"
line (what `agentrl.rollout.prompts` writes, and what an LLM would read). θ_prompt starts
at 0 (uniform) and is one row per distinct prompt text (the whole conversation), so with
Markov prompts (``prompt.history: last_k``, ``k: 0``) it is a policy over env states. It
implements the `Policy` protocol: ``generate`` samples ``<action>a</action>`` with a seeded
generator and returns the one-token id of (prompt, action) with its log-prob; ``score``
gives differentiable log-probs of such ids, so a gradient step on θ is a policy-gradient
step. It never sees the reward or the env's internals.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Any, Protocol

import torch

from agentrl.policy.base import Generation, Messages, SamplingParams, TokenScores

ADMISSIBLE = "Admissible actions: "


class Demonstrated(Protocol):
    """An expert turn (`agentrl.run.warm_start.SFTExample`): the prompt as the runner builds it
    and the expert's action."""

    messages: Messages
    action: str


def admissible_actions(messages: Messages) -> list[str]:
    """The actions listed on the last user message's "Admissible actions:" line."""
    text = next(m["content"] for m in reversed(messages) if m["role"] == "user")
    line = text[text.rindex(ADMISSIBLE) + len(ADMISSIBLE):].splitlines()[0]
    return [a.strip() for a in line.split(" (+")[0].split(",") if a.strip()]


class TabularPolicy:
    """θ[prompt] ∈ R^{|actions|}; see the module docstring. ``init`` gives starting logits
    by action text (e.g. a mild preference), the same in every state."""

    def __init__(self, init: dict[str, float] | None = None) -> None:
        self.init = dict(init or {})
        self.prompts: list[tuple[str, list[str]]] = []  # prompt id → (text, actions)
        self._ids: dict[str, int] = {}
        self.theta: list[torch.Tensor] = []

    def _prompt_id(self, messages: Messages) -> int:
        text = "\n".join(f"{m['role']}: {m['content']}" for m in messages)
        if text not in self._ids:
            actions = admissible_actions(messages)
            self._ids[text] = len(self.prompts)
            self.prompts.append((text, actions))
            start = [self.init.get(a, 0.0) for a in actions]
            self.theta.append(torch.tensor(start, dtype=torch.float64, requires_grad=True))
        return self._ids[text]

    def imitate(self, examples: Iterable[Demonstrated], bonus: float) -> int:
        """Behaviour cloning in closed form: θ[prompt][a*] += ``bonus`` for each expert turn
        (prompt, a*), e.g. from `agentrl.run.warm_start.demonstration_examples`. From uniform, a
        demonstrated state with n listed actions then has π(a*) = e^b / (e^b + n − 1);
        other states keep their logits. Returns the number of turns imitated; a turn whose
        action the prompt does not list raises (the prompt would hide it from the policy)."""
        if not math.isfinite(bonus):
            raise ValueError(f"imitation bonus must be finite, got {bonus}")
        count = 0
        for example in examples:
            prompt = self._prompt_id(example.messages)
            actions = self.prompts[prompt][1]
            if example.action not in actions:
                raise ValueError(f"imitate: the expert's action {example.action!r} is not among "
                                 f"the {len(actions)} admissible actions the prompt lists "
                                 "(raise rollout.prompt.max_actions_shown)")
            with torch.no_grad():
                self.theta[prompt][actions.index(example.action)] += bonus
            count += 1
        return count

    def probabilities(self, prompt_id: int, temperature: float = 1.0) -> torch.Tensor:
        """π(· | prompt) at ``temperature`` (detached)."""
        with torch.no_grad():
            return torch.softmax(self.theta[prompt_id] / max(temperature, 1e-6), dim=0)

    def action_distribution(self, messages: Messages,
                            temperature: float = 1.0) -> dict[str, float]:
        """π(a | prompt) by action text over the prompt's listed actions (detached)."""
        prompt = self._prompt_id(messages)
        return dict(zip(self.prompts[prompt][1],
                        self.probabilities(prompt, temperature).tolist(), strict=True))

    def generate(self, batch: list[Messages], sampling: SamplingParams, *,
                 tools: list[list[dict[str, Any]] | None] | None = None) -> list[Generation]:
        """Sample one admissible action per conversation (greedy at temperature 0)."""
        rng = random.Random(sampling.seed)
        out = []
        for messages in batch:
            prompt = self._prompt_id(messages)
            actions = self.prompts[prompt][1]
            probs = self.probabilities(prompt, sampling.temperature or 1.0)
            if sampling.temperature == 0:
                choice = int(torch.argmax(probs))
            else:
                choice = rng.choices(range(len(actions)), weights=probs.tolist())[0]
            out.append(Generation(text=f"<action>{actions[choice]}</action>",
                                  prompt_ids=[prompt], token_ids=[choice],
                                  logprobs=[float(torch.log(probs[choice]))]))
        return out

    def score(self, prompt_ids: list[list[int]], action_ids: list[list[int]], *,
              temperature: float = 1.0) -> TokenScores:
        """log π(action | prompt) per one-token reply, differentiable in θ."""
        logprobs, entropies = [], []
        for prompt, action in zip(prompt_ids, action_ids, strict=True):
            logp = torch.log_softmax(self.theta[prompt[0]] / temperature, dim=0)
            logprobs.append(logp[action[0]])
            entropies.append(-(logp.exp() * logp).sum())
        ones = torch.ones(len(logprobs), 1, dtype=torch.float64)
        return TokenScores(torch.stack(logprobs)[:, None], torch.stack(entropies)[:, None], ones)

    def step(self, prompt_ids: list[list[int]], action_ids: list[list[int]],
             advantages: list[float], lr: float) -> None:
        """One gradient-ascent step on Σ_turns A · log π(a | prompt) (REINFORCE, sum over
        turns divided by their number), plain SGD with step size ``lr``."""
        if not advantages:
            return
        scores = self.score(prompt_ids, action_ids)
        weights = torch.tensor(advantages, dtype=torch.float64)[:, None]
        objective = (weights * scores.logprobs).sum() / len(advantages)
        touched = sorted({p[0] for p in prompt_ids})
        grads = torch.autograd.grad(objective, [self.theta[p] for p in touched])
        with torch.no_grad():
            for p, g in zip(touched, grads, strict=True):
                self.theta[p] += lr * g
