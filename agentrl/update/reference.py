"""The KL reference of the update: a frozen copy of the start policy (full models) or a
swapped-in copy of the LoRA adapter weights; its log-probs for the loss's KL term and for
REINFORCE++'s KL in the reward (Hu et al. 2025, eq. 9)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np
import torch

from agentrl.core.types import Trajectory
from agentrl.policy.multimodal import trajectory_prompt_images

if TYPE_CHECKING:
    from agentrl.parallel import SingleProcess
    from agentrl.policy.hf import HFPolicy


class ReferenceMixin:
    """The `Trainer`'s KL reference: built, anchored, scored. Holds ``reference`` (a frozen
    model, or None with LoRA), ``reference_adapter`` and ``reference_anchored``."""

    policy: HFPolicy
    parallel: SingleProcess
    temperature: float
    uses_reference: bool
    reference: torch.nn.Module | None
    reference_adapter: dict[str, torch.Tensor] | None
    reference_anchored: bool
    _logprobs_of: Callable[..., list[list[float]]]

    def _make_reference(self) -> torch.nn.Module | None:
        """A frozen copy of the start policy; with LoRA the adapter is switched off instead."""
        if self._uses_lora:
            return None
        return self.parallel.frozen_copy(self.policy.model,
                                         into=getattr(self, "reference", None))


    @property
    def _uses_lora(self) -> bool:
        return hasattr(self.policy.model, "disable_adapter")


    def anchor_reference(self) -> None:
        """Make the policy as it is now the KL reference: RL then stays close to where it
        started (after a warm start: the fine-tuned policy, not the model before it).

        Full models: a frozen copy. LoRA: a copy of the adapter weights (small), swapped in
        to score the reference. No-op without a KL term (in the loss or in the reward).
        """
        if not self.uses_reference:
            return
        if self._uses_lora:
            self.reference_adapter = {
                name: p.detach().clone()
                for name, p in self.policy.model.named_parameters() if p.requires_grad
            }
        else:
            self.reference = self._make_reference()
        self.reference_anchored = True


    @torch.no_grad()
    def _write_reference_kl(self, trajectories: list[Trajectory]) -> np.ndarray:
        """REINFORCE++'s KL in the reward (Hu et al. 2025, eq. 9): on every action token,
        KL(i) = log π_old(a_i | s_i) − log π_ref(a_i | s_i), with π_old the rollout's
        log-probs; written as ``turn.info["token_kl"]`` and their sum ``turn.info["kl"]``,
        and returned flat in token order (non-errored trajectories, row-major)."""
        turns = [turn for t in trajectories if not t.errored for turn in t.turns]
        images = [row for t in trajectories if not t.errored for row in trajectory_prompt_images(t)]
        for turn in turns:
            turn.info["token_kl"], turn.info["kl"] = [], 0.0
        scored = [turn for turn in turns if turn.action_ids]
        images = [row for turn, row in zip(turns, images, strict=True) if turn.action_ids]
        items = [(turn.prompt_ids, turn.action_ids, row)
                 for turn, row in zip(scored, images, strict=True)]
        references = self.parallel.map_sharded(
            lambda share: self._logprobs_of(share, self._reference_logprobs), items)
        for turn, ref_row in zip(scored, references, strict=True):
            token_kl = [old - ref for old, ref in zip(turn.action_logprobs, ref_row, strict=True)]
            turn.info["token_kl"], turn.info["kl"] = token_kl, sum(token_kl)
        return np.fromiter((kl for turn in scored for kl in turn.info["token_kl"]), float)


    @torch.no_grad()
    def _reference_logprobs(
        self, prompts: list[list[int]], actions: list[list[int]],
        images: list[list[str]] | None = None,
    ) -> torch.Tensor:
        if self._uses_lora:  # the base model, or the adapter as `anchor_reference` kept it
            swap = (self.policy.model.disable_adapter() if self.reference_adapter is None
                    else self._reference_adapter_swapped_in())
            with swap:
                return self.policy.score(prompts, actions, temperature=self.temperature,
                                         images=images).logprobs
        model, self.policy.model = self.policy.model, self.reference
        try:
            return self.policy.score(prompts, actions, temperature=self.temperature,
                                     images=images).logprobs
        finally:
            self.policy.model = model


    @contextmanager
    def _reference_adapter_swapped_in(self) -> Iterator[None]:
        assert self.reference_adapter is not None
        parameters = dict(self.policy.model.named_parameters())
        current = {name: parameters[name].detach().clone() for name in self.reference_adapter}
        with torch.no_grad():
            try:
                for name, weights in self.reference_adapter.items():
                    parameters[name].copy_(weights)
                yield
            finally:
                for name, weights in current.items():
                    parameters[name].copy_(weights)
