"""No work without signal: which turns of a minibatch can skip the forward and backward pass.

A turn whose advantage is 0 on every action token adds exactly 0 to the clipped policy loss
(−0 · ρ and −0 · clip(ρ) are both 0, whatever ρ and whatever importance weight scales them),
so its gradient is 0. When the loss has no other term that sees the turn — no KL to a
reference (``kl_coef`` 0), no entropy term — the update skips it: no forward, no backward.
The loss's normaliser still counts it (a token-mean divides by every token of the minibatch,
a sequence-mean by every turn), so the update is the same number; a minibatch with no turn
left still steps the optimizer on zero gradients (Adam's moments move the weights as they
would have). A new loss term that sees zero-advantage turns must say so in `can_skip`.

GRPO groups whose rollouts all score the same carry no signal: in the main job two groups in
three, in the ALFWorld CPU recipe (success 0 everywhere) all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch

from agentrl.update.options import AlgorithmOptions
from agentrl.update.samples import TurnSample


def carries_signal(sample: TurnSample) -> bool:
    """Whether the turn's advantage is non-zero on some action token."""
    advantage = sample.advantage
    if isinstance(advantage, (int, float)):
        return advantage != 0.0
    return any(value != 0.0 for value in advantage)


def can_skip(algorithm: AlgorithmOptions, entropy: Any) -> bool:
    """Whether turns without signal may skip the passes: the loss is the policy term alone
    (no KL term, no entropy term), which a zero advantage makes exactly 0."""
    return algorithm.kl_coef == 0.0 and entropy is None


def zero_missing_grads(parameters: Iterable[torch.nn.Parameter]) -> None:
    """Give each parameter that no backward pass reached a zero gradient, as a pass over
    zero-advantage turns would have: the optimizer then steps it the same way."""
    for parameter in parameters:
        if parameter.grad is None:
            parameter.grad = torch.zeros_like(parameter)


def signal_metrics(samples: list[TurnSample], *, skip: bool) -> dict[str, float]:
    """``train/turns_with_signal`` (turns with a non-zero advantage) and
    ``train/turns_skipped`` (turns no pass went through: the others, when ``skip``)."""
    with_signal = sum(map(carries_signal, samples))
    return {"train/turns_with_signal": float(with_signal),
            "train/turns_skipped": float(len(samples) - with_signal if skip else 0)}
