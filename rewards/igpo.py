"""IGPO turn rewards: the information gain about the ground-truth answer, turn by turn.

Wang et al. 2025, "Information Gain-based Policy Optimization" (arXiv 2510.14967v1, §3; its
equations read in secondary renderings, the arXiv HTML in the reference corpus stopping
after the introduction) and the authors' code ``GuoqingWang1/IGPO`` at commit bff163b
(``scrl/llm_agent/generation.py``, ``verl/utils/reward_score/info_gain.py``). With
a = (a_1 … a_L) the ground-truth answer tokens, q the question and o_{≤t} the interaction
up to turn t:

    π_θ(a | q, o_{≤t}) = exp( (1/L) Σ_{j=1..L} log π_θ(a_j | q, o_{≤t}, a_{<j}) )
    r_t = IG(a | q, o_t) = π_θ(a | q, o_{≤t}) − π_θ(a | q, o_{≤t−1})     1 ≤ t < T
    r_T = the outcome reward (F1 / exact match, ``trajectory.outcome_reward``).

Here p_k = π_θ(a | context before turn k + 1), p_0 before the first action, so turn t
(0-based, not the last) gets p_{t+1} − p_t — the code's ``cur_prob − gt_probs[i]`` at each
step, written on the turn's last token. π is the rollout policy, read under no_grad
(the code's ``compute_log_prob`` on the actor); ``temperature`` should match the rollout's.

How the context is built: the prompt the policy was given for turn k + 1,
``turns[k+1].prompt_ids`` — the chat messages up to and including turn k's reply and the
observation that followed, ending with the assistant generation prompt — then the
``answer_prefix`` tokens, then the answer. C_0 is ``turns[0].prompt_ids``. The code scores
the answer as a pseudo-reply after the generation prompt; its text before the answer is
``CODE_ANSWER_PREFIX`` (the default here). Set ``answer_prefix="<answer>"`` for an env whose
replies have no ``<think>`` block (agentrl's demo recipes do: a deviation, named there).
The code tokenises prefix, answer and suffix together and slices the answer's tokens; here
the answer is tokenised alone (the same ids unless the tokenizer merges across the joint).
A turn with no ``prompt_ids`` is rendered from its ``prompt_messages``.

``turn.reward`` is replaced by r_t (final turn: the outcome) and
``turn.info["reward_components"]`` gains ``"info_gain"`` or ``"outcome"``. Pair with the
``igpo`` advantage estimator (``outcome="ignore"``: the outcome is already on the last turn).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from agentrl.core.types import Trajectory, Turn
from agentrl.credit.context import ShapingContext
from agentrl.credit.needs import Needs
from agentrl.credit.registry import register_shaping
from agentrl.policy.multimodal import trajectory_prompt_images

CODE_ANSWER_PREFIX = "\nNow there's enough information to answer\n</think>\n<answer>\n"
"""The text the authors' code puts between the generation prompt and the scored answer."""


def information_gain(p: Sequence[float], outcome: float) -> list[float]:
    """Turn rewards from p = [p_0, …, p_{T−1}]: IG_t = p_t − p_{t−1} (t < T), r_T = outcome.

    ``p[k]`` is the answer probability before turn k + 1 (after turn k); a T-turn
    trajectory needs T of them and gets T rewards.
    """
    if not p:
        raise ValueError("igpo: need p_0 at least (one probability per turn)")
    gains = [p[t] - p[t - 1] for t in range(1, len(p))]
    return [*gains, float(outcome)]


def _context_ids(policy: Any, turn: Turn) -> list[int]:
    if turn.prompt_ids:
        return list(turn.prompt_ids)
    if turn.prompt_messages:
        return policy.render(turn.prompt_messages, tools=turn.observation.tools)
    raise ValueError(
        "igpo: a turn has neither prompt_ids nor prompt_messages, so the context after the "
        "previous turn cannot be rebuilt; record prompts in the rollout"
    )


@torch.no_grad()
def answer_probabilities(
    policy: Any,
    contexts: list[list[int]],
    answers: list[list[int]],
    *,
    batch_size: int = 16,
    temperature: float = 1.0,
    images: list[list[str]] | None = None,
) -> list[float]:
    """exp(mean log π(answer tokens | context)) per pair; one ``policy.score`` per chunk.
    ``images[i]``: the base64 images of context i's image tokens (vision-language models)."""
    was_training = policy.model.training
    policy.model.eval()
    probabilities: list[float] = []
    try:
        for start in range(0, len(contexts), batch_size):
            scores = policy.score(
                contexts[start : start + batch_size],
                answers[start : start + batch_size],
                temperature=temperature,
                images=images[start : start + batch_size] if images else None,
            )
            mean_logprob = (scores.logprobs * scores.mask).sum(-1) / scores.mask.sum(-1)
            probabilities += mean_logprob.exp().tolist()
    finally:
        policy.model.train(was_training)
    return probabilities


def _answer_ids(policy: Any, trajectory: Trajectory) -> list[int]:
    answer = trajectory.task.ground_truth
    ids = policy.tokenizer(answer, add_special_tokens=False)["input_ids"] if answer else []
    if not ids:
        raise ValueError(
            f"igpo: task {trajectory.task.id!r} has ground_truth={answer!r}; information gain "
            "needs a non-empty answer — use tasks with answers or another shaping"
        )
    return ids


def _check_ground_truth(trajectories: list[Trajectory]) -> None:
    missing = [t.task.id for t in trajectories if not t.errored and t.task.ground_truth is None]
    if missing:
        raise ValueError(
            f"igpo: {len(missing)} trajectories have task.ground_truth=None (tasks "
            f"{', '.join(sorted(set(missing))[:5])}); IGPO measures the probability of the "
            "answer, so every task needs one — pick tasks with answers or another shaping"
        )


def _write(trajectory: Trajectory, rewards: list[float]) -> None:
    last = len(trajectory.turns) - 1
    for t, (turn, reward) in enumerate(zip(trajectory.turns, rewards, strict=True)):
        turn.reward = reward
        name = "outcome" if t == last else "info_gain"
        turn.info["reward_components"] = {
            **(turn.info.get("reward_components") or {}), name: reward
        }


@register_shaping("igpo", needs=Needs(ground_truth=True))
def igpo(
    trajectories: list[Trajectory],
    *,
    context: ShapingContext,
    answer_prefix: str = CODE_ANSWER_PREFIX,
    batch_size: int = 16,
    temperature: float = 1.0,
) -> list[Trajectory]:
    """IGPO turn rewards r_t = p_{t+1} − p_t, r_T = outcome (module docstring); deep copies.

    ``answer_prefix`` is the text scored before the answer (default: the authors' code's).

    Errored trajectories come back unchanged. Raises ``ValueError`` when a task has no
    ``ground_truth``.
    """
    _check_ground_truth(trajectories)
    policy = context.policy
    shaped = [t.model_copy(deep=True) for t in trajectories]
    active = [t for t in shaped if not t.errored and t.turns]
    prefix = policy.tokenizer(answer_prefix, add_special_tokens=False)["input_ids"]
    contexts: list[list[int]] = []
    answers: list[list[int]] = []
    images: list[list[str]] = []
    for trajectory in active:
        # p_0 … p_{T−1}; a one-turn trajectory needs none (its only reward is the outcome).
        if len(trajectory.turns) > 1:
            answer = _answer_ids(policy, trajectory)
            for turn, shown in zip(trajectory.turns, trajectory_prompt_images(trajectory),
                                   strict=True):
                contexts.append(_context_ids(policy, turn) + prefix)
                answers.append(answer)
                images.append(shown)
    p = answer_probabilities(
        policy, contexts, answers, batch_size=batch_size, temperature=temperature,
        images=images,
    ) if contexts else []
    start = 0
    for trajectory in active:
        n = len(trajectory.turns)
        p_i = p[start : start + n] if n > 1 else [0.0]
        start += n if n > 1 else 0
        _write(trajectory, information_gain(p_i, trajectory.outcome_reward))
    return shaped
