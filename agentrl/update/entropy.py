"""Entropy terms of the loss, looked up by name: ``none``, ``plain`` and ``epo``.

An entropy term hands the trainer per-token values v (for the plain bonus, the entropy H
itself); the trainer aggregates them over the minibatch and subtracts coef · agg(v) from
the loss. How they are aggregated is the term's ``aggregation``:

- ``"loss"``: exactly as the policy term, under the recipe's ``loss_aggregation``
  (`agentrl.update.loss.aggregate`);
- ``"trajectory"``: EPO's Eq. 2, per turn the token mean, then the mean over the
  trajectory's turns, then over trajectories (`agentrl.update.loss.aggregate_turns`).

Both are functions of the minibatch alone: the same for any micro-batch size, number of
ranks and strategy. A term that keeps statistics across updates (EPO's entropy history)
returns per-micro-batch sums from ``statistics``; the trainer sums them over the whole
batch and over ranks (padding micro-batches excluded) and hands the totals to
``end_iteration``, so every rank folds the same numbers.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import torch

from agentrl.core.registry_base import Registry
from agentrl.credit.needs import Declaration

ENTROPY_TERMS: Registry[Any] = Registry("entropy term")
"""Entropy terms by name: factories ``(**options) -> term``; "none" is the absence of one."""


def register_entropy(name: str, needs: Declaration | None = None) -> Callable[[Any], Any]:
    """Decorator: register an entropy-term factory under ``name``, declaring its needs."""
    return ENTROPY_TERMS.register(name, needs)


def list_entropy_terms() -> list[str]:
    """"none" and the registered entropy terms."""
    import agentrl.update.epo  # noqa: F401  (registers the built-in EPO term)

    return ["none", *ENTROPY_TERMS.names()]
EntropyAggregation = Literal["loss", "trajectory"]
AGGREGATIONS = ("loss", "trajectory")


@dataclass(frozen=True)
class TrainingPhase:
    """Where training is: ``iteration`` k (0-based RL step) and ``progress`` (k + 1) / K as
    the train loop reports it (0.0 when the caller does not say)."""

    iteration: int = 0
    progress: float = 0.0


@register_entropy("plain")
class PlainEntropy:
    """Plain entropy bonus: coef · H, H aggregated as the policy term (``aggregation='loss'``)."""

    aggregation: EntropyAggregation = "loss"

    def __init__(self, coef: float = 0.001) -> None:
        self.coef = coef

    def token_values(
        self, entropies: torch.Tensor, mask: torch.Tensor, turn_index: torch.Tensor,
        phase: TrainingPhase,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """(the entropies themselves, no metrics)."""
        return entropies, {}

    def statistics(self, entropies: torch.Tensor, mask: torch.Tensor,
                   turn_index: torch.Tensor) -> dict[str, float]:
        """No statistics: the plain bonus keeps no history."""
        return {}

    def end_iteration(self, totals: dict[str, float]) -> dict[str, float]:
        """Nothing to fold."""
        return {}

    def phase_metrics(self, phase: TrainingPhase) -> dict[str, float]:
        """No phase-dependent weights."""
        return {}

    def state_dict(self) -> dict[str, Any]:
        """No state."""
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """No state."""


def check_options(what: str, factory: Any, options: dict[str, Any]) -> None:
    """Raise a ValueError naming every option ``factory`` does not take."""
    allowed = [name for name in inspect.signature(factory).parameters if name != "self"]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"{what}: option(s) {', '.join(map(repr, unknown))} not known; "
                         f"known: {', '.join(allowed)}")


def make_entropy_regularizer(name: str, **options: Any) -> Any:
    """The entropy term ``name`` built with ``options``; None for ``none``."""
    if name == "none":
        if options:
            raise ValueError(f"entropy term 'none' takes no options; got {sorted(options)}")
        return None
    if name not in list_entropy_terms():
        raise ValueError(f"entropy term {name!r} is unknown; known: "
                         f"{', '.join(list_entropy_terms())}")
    factory = ENTROPY_TERMS.get(name)
    if inspect.isclass(factory):
        check_options(f"entropy term {name!r}", factory, options)
    return factory(**options)
