"""SFT warm start: imitate the env's expert before RL, so RL starts from a policy that acts.

The expert's actions (`Env.demonstration`) are replayed through the env and each turn's
prompt is built exactly as the rollout runner builds it (`build_messages` with the same
prompt options and the same history of `Turn`s), so the model learns on the prompts it
will see. The target is the reply the runner would parse into the expert's action:
``<action>{action}</action>`` (a tool-call env's action is the whole reply), minus any
forced ``prompt.response_prefix``, plus end-of-sequence so the model learns to stop.
The loss is token-mean cross-entropy on the reply tokens only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import torch
from tqdm.auto import tqdm

from agentrl.core.env import Env
from agentrl.core.types import Task, Turn
from agentrl.policy.base import Messages
from agentrl.policy.hf import HFPolicy
from agentrl.rollout.prompts import PromptOptions, build_messages
from agentrl.run.metrics import MetricsLogger
from agentrl.run.recipe import WarmStartOptions


@dataclass
class SFTExample:
    """One expert turn: the prompt as the runner would build it, the reply to learn and the
    action that reply names."""

    messages: Messages
    tools: list[dict[str, Any]] | None
    target: str  # the reply after any forced response prefix
    action: str


def expert_reply(action: str, action_format: str) -> str:
    """The reply the runner parses into ``action`` (tool-call envs step the whole reply)."""
    return action if action_format == "tool_call" else f"<action>{action}</action>"


def demonstration_examples(
    env: Env, task: Task, prompt: PromptOptions, *, max_turns: int | None = None,
    seed: int = 0,
) -> list[SFTExample]:
    """Replay ``env``'s expert on ``task``; one example per turn (none if it fails).

    History turns carry what the runner records for the prompt: the observation the
    action was chosen from and the full reply (prefix included).
    """
    actions = env.demonstration(task)
    if actions is None:
        raise ValueError(f"warm start: {env.spec.id} has no demonstration for task {task.id!r}")
    limit = max_turns or env.spec.max_turns
    observation = env.reset(task, seed=seed)
    examples: list[SFTExample] = []
    history: list[Turn] = []
    for action in actions[:limit]:
        messages = build_messages(task, env.spec, history, observation, prompt)
        reply = expert_reply(action, env.spec.action_format)
        target = reply.removeprefix(prompt.response_prefix)
        examples.append(SFTExample(messages, observation.tools, target, action))
        result = env.step(action)
        history.append(Turn(observation=observation, action=action,
                            response=prompt.response_prefix + target, reward=result.reward,
                            info=result.info, state_key=observation.state_key))
        observation = result.observation
        if result.terminated or result.truncated:
            break
    return examples if history and history[-1].info.get("success") else []


def tokenize(
    policy: HFPolicy, examples: list[SFTExample]
) -> list[tuple[list[int], list[int], list[str]]]:
    """(prompt ids, reply ids + end-of-sequence, the prompt's images) per example, as the
    policy sees them (images: screenshots of a vision-language model's prompt)."""
    eos = policy.tokenizer.eos_token_id
    if eos not in policy.eos_ids:
        eos = min(policy.eos_ids)
    data = []
    for example in examples:
        prompt, images = policy.render_prompt(example.messages, example.tools)
        reply = policy.tokenizer(example.target, add_special_tokens=False)["input_ids"]
        data.append((prompt, reply + [eos], images))
    return data


def sft_loss(
    policy: HFPolicy, batch: list[tuple[list[int], list[int], list[str]]]
) -> tuple[torch.Tensor, float]:
    """Token-mean cross-entropy of the replies, and the share of reply tokens greedy
    decoding would pick for sure (probability above 1/2: a lower bound on accuracy)."""
    prompts, replies, images = zip(*batch, strict=True)
    scores = policy.score(list(prompts), list(replies), images=list(images))
    tokens = scores.mask.sum().clamp(min=1)
    loss = -(scores.logprobs * scores.mask).sum() / tokens
    confident = ((scores.logprobs.detach() > -0.6931) * scores.mask).sum() / tokens
    return loss, float(confident)


def warm_start(
    policy: HFPolicy,
    env: Env,
    tasks: list[Task],
    options: WarmStartOptions,
    prompt: PromptOptions,
    *,
    logger: MetricsLogger | None = None,
    max_turns: int | None = None,
    seed: int = 0,
    progress: bool = True,
) -> dict[str, float]:
    """Collect demonstrations on ``tasks`` and run ``options.steps`` SFT steps.

    Each step logs ``sft/loss`` and ``sft/token_accuracy`` to ``logger`` (step = its
    iteration); returns a summary (first and last loss, accuracy, example count).
    """
    examples = [
        example
        for task in tqdm(tasks, desc="demonstrations", unit="task", disable=not progress,
                         leave=False)
        for example in demonstration_examples(env, task, prompt, max_turns=max_turns, seed=seed)
    ]
    if not examples:
        raise ValueError(f"warm start: the expert of {env.spec.id} solved none of "
                         f"{len(tasks)} tasks; nothing to learn from")
    data = tokenize(policy, examples)
    optimizer = torch.optim.AdamW(list(policy.trainable_parameters()), lr=options.lr)
    rng = random.Random(seed)
    order: list[int] = []
    policy.model.train()
    losses: list[float] = []
    accuracy = 0.0
    for step in tqdm(range(options.steps), desc="warm start", unit="step",
                     disable=not progress, leave=False):
        if len(order) < options.batch_size:  # reshuffle once the epoch runs out
            order += rng.sample(range(len(data)), len(data))
        batch = [data[order.pop()] for _ in range(min(options.batch_size, len(data)))]
        loss, accuracy = sft_loss(policy, batch)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if logger is not None:
            logger.log(step, {"sft/loss": losses[-1], "sft/token_accuracy": accuracy})
    optimizer.zero_grad(set_to_none=True)
    return {"sft/examples": float(len(data)), "sft/loss_first": losses[0] if losses else 0.0,
            "sft/loss": losses[-1] if losses else 0.0, "sft/token_accuracy": accuracy}
