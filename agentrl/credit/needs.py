"""What a credit method needs, declared where it is registered.

An estimator, shaping or entropy term says what it reads beyond outcome rewards with a
`Needs` (or a function of its options returning one) passed to its registration decorator.
Preflight, the trainer and the docs read the declaration; nothing else tests a method's name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

ValueTargets = Callable[..., list[list[Any]]]
"""``targets(batch, **options) -> per-turn (or per-token) returns`` that the critic regresses
on, computed from the estimator's own options."""


@dataclasses.dataclass(frozen=True)
class Needs:
    """A method's requirements. Each field is read by the stage that provides it."""

    group_size: int = 1
    """Smallest ``rollout.group_size`` it works with (2: it compares rollouts of a group)."""
    values: ValueTargets | None = None
    """A critic: the trainer builds one, writes V(s) as ``turn.info["value"]`` before the
    estimator runs and fits it on these targets after."""
    reference_logprobs: bool = False
    """Per-token reference log-probs: the trainer writes ``turn.info["token_kl"]`` / ``"kl"``
    (log π_old − log π_ref) before the estimator runs."""
    ground_truth: bool = False
    """Every task has ``Task.ground_truth`` (checked on the train split before training)."""
    state_key: bool = False
    """Turns carry a ``state_key`` that varies (checked on reset and on every batch)."""
    step_rewards: bool = False
    """Meaningful per-turn rewards (from the env or a shaping before it)."""
    hidden_states: bool = False
    """The policy's hidden states (``ShapingContext.policy``); a local transformers model."""
    before_training: Callable[..., None] | None = None
    """A phase run once before the first update: ``hook(context, options, start)``."""

    def requirement_names(self) -> set[str]:
        """The checkable requirements, by the names `agentrl.credit.advantages.requirements`
        reports: ground_truth, state_key, values, kl."""
        names = {name for name, present in (
            ("ground_truth", self.ground_truth), ("state_key", self.state_key),
            ("values", self.values is not None), ("kl", self.reference_logprobs)) if present}
        return names


NO_NEEDS = Needs()

Declaration = Needs | Callable[[Mapping[str, Any]], Needs]
"""A fixed `Needs`, or a function of the method's options returning one."""


def resolve(declaration: Declaration | None, options: Mapping[str, Any]) -> Needs:
    """The `Needs` of a declaration under ``options`` (no declaration: none)."""
    if declaration is None:
        return NO_NEEDS
    if isinstance(declaration, Needs):
        return declaration
    return declaration(options)
