"""Shared fixture of the policy tests: a spy on a model's forward passes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from agentrl.policy.hf import HFPolicy


@pytest.fixture()
def forward_shapes(monkeypatch: pytest.MonkeyPatch) -> Callable[[HFPolicy], list[tuple[int, int]]]:
    """``forward_shapes(policy)`` returns a list that then receives the input (batch, length)
    of every forward pass of ``policy``'s model, for the rest of the test."""

    def watch(policy: HFPolicy) -> list[tuple[int, int]]:
        shapes: list[tuple[int, int]] = []
        forward = policy.model.forward

        def spy(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            shapes.append(tuple(kwargs["input_ids"].shape))
            return forward(*args, **kwargs)

        monkeypatch.setattr(policy.model, "forward", spy)
        return shapes

    return watch
