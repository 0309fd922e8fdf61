"""The update's checkpoint state: optimizer, shaping state, entropy / critic state and an
anchored KL reference."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from agentrl.credit.context import ShapingContext
    from agentrl.parallel import SingleProcess
    from agentrl.policy.hf import HFPolicy


class StateMixin:
    """The `Trainer`'s `state_dict` / `load_state_dict`."""

    policy: HFPolicy
    parallel: SingleProcess
    optimizer: torch.optim.Optimizer
    context: ShapingContext
    entropy: Any
    critic: Any
    uses_reference: bool
    reference: torch.nn.Module | None
    reference_adapter: dict[str, torch.Tensor] | None
    reference_anchored: bool

    def state_dict(self) -> dict[str, Any]:
        """What a checkpoint keeps: optimizer, shaping state, entropy / critic state and an
        anchored KL reference."""
        state: dict[str, Any] = {
            "optimizer": self.parallel.optimizer_state_dict(self.policy.model, self.optimizer)}
        for key, value in self.context.state.items():
            if hasattr(value, "state_dict"):
                state[f"context/{key}"] = value.state_dict()
        for key, part in (("entropy", self.entropy), ("critic", self.critic)):
            if part is not None and hasattr(part, "state_dict"):
                state[key] = part.state_dict()
        if self.reference_adapter is not None:
            state["reference_adapter"] = self.reference_adapter
        elif self.reference is not None and self.reference_anchored:
            state["reference"] = self.parallel.full_state_dict(self.reference)
        return state


    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what `state_dict` saved."""
        self.parallel.load_optimizer_state_dict(self.policy.model, self.optimizer,
                                                state["optimizer"])
        for key, part in (("entropy", self.entropy), ("critic", self.critic)):
            if part is not None and key in state:
                part.load_state_dict(state[key])
        if self.uses_reference and "reference_adapter" in state:
            self.reference_adapter, self.reference_anchored = state["reference_adapter"], True
        if self.reference is not None and "reference" in state:
            self.parallel.load_full_state_dict(self.reference, state["reference"])
            self.reference_anchored = True
        self.context.restored = {
            k.removeprefix("context/"): v for k, v in state.items() if k.startswith("context/")
        }
