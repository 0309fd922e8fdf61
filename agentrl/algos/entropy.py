"""Entropy terms of the loss, looked up by name: ``none``, ``plain`` and ``epo``.

Each term is a callable ``(entropies [B, L], mask [B, L], turn_index [B], progress) ->
(bonus, metrics)``; the trainer subtracts ``bonus`` from the loss.
"""

from __future__ import annotations

from typing import Any

ENTROPY_TERMS = ("none", "plain", "epo")


def make_entropy_regularizer(name: str, **options: Any) -> Any:
    """The entropy term ``name`` built with ``options``; None for ``none``."""
    if name == "none":
        return None
    from agentrl.algos.epo import EPORegularizer, PlainEntropy

    factories = {"plain": PlainEntropy, "epo": EPORegularizer}
    if name not in factories:
        raise ValueError(f"entropy term {name!r} is unknown; known: {', '.join(ENTROPY_TERMS)}")
    return factories[name](**options)
