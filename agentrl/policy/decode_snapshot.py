"""The plain bf16 model the hf backend decodes with under mixed precision on a CPU.

Under ``policy.dtype: bfloat16`` on a CPU the trained model is mixed: an fp32 LoRA adapter
over a bf16 base (or fp32 master weights without LoRA), every forward under autocast. That
is right for the update, but a decode step pays for it at every token: each of the ~200
adapted linears runs two thin extra matmuls and casts its input to fp32 and back, and
autocast re-dispatches every op — at batch 1 the step is bound by that overhead, not by the
bytes of the weights (docs/concepts/speed.md has the figures).

So the rollout decodes with a snapshot instead: a plain model of the same architecture
holding the current weights with the adapters merged in (`agentrl.policy.weights
.merged_state_dict`: W + B A · α / r computed in fp32, then stored in bf16), no adapter
layers, no autocast. It is refreshed whenever the trained weights changed since the last
refresh (the parameters' version counters, the way `agentrl.policy.prefix_store` tells),
so it is never stale: each refresh costs one merge (about a tenth of a second for the
embedded model) and the snapshot costs one bf16 copy of the weights in memory.

The snapshot samples from the same weights rounded differently (the merged product in bf16
rather than the base in bf16 plus the adapter in fp32), so its log-probs differ from the
trainer's by about what the bf16 decode already did; ``train/rollout_logprob_diff_mean``
measures it and ``rollout_correction`` corrects for it. ``policy.decode_snapshot: false``
decodes with the trained model itself.
"""

from __future__ import annotations

import torch
from transformers import AutoModelForCausalLM, PreTrainedModel

from agentrl.policy.avoided_copies import flat_head_input
from agentrl.policy.weights import merged_state_dict, weights_fingerprint


class DecodeSnapshot:
    """A plain ``dtype`` copy of a (peft or plain) causal LM's current weights, refreshed
    lazily: `model_for` returns it up to date with the trained model."""

    def __init__(self, dtype: torch.dtype = torch.bfloat16) -> None:
        self.dtype = dtype
        self.model: PreTrainedModel | None = None
        self.refreshes = 0
        self._fingerprint: tuple[tuple[int, int], ...] | None = None

    def model_for(self, trained: torch.nn.Module) -> PreTrainedModel:
        """The snapshot of ``trained``'s weights, rebuilt when they changed since the last
        call. The snapshot is in eval mode and needs no autocast."""
        fingerprint = weights_fingerprint(trained)
        if self.model is None or fingerprint != self._fingerprint:
            self._refresh(trained)
            self._fingerprint = fingerprint
        assert self.model is not None
        return self.model

    @torch.no_grad()
    def _refresh(self, trained: torch.nn.Module) -> None:
        state = merged_state_dict(trained, self.dtype)
        if self.model is None:
            base = trained.get_base_model() if hasattr(trained, "get_base_model") else trained
            self.model = AutoModelForCausalLM.from_config(base.config, dtype=self.dtype)
            self.model.generation_config = base.generation_config
            self.model.to(next(trained.parameters()).device).eval().requires_grad_(False)
            flat_head_input(self.model)  # the prefill's last positions: no copy of the head
        missing, unexpected = self.model.load_state_dict(state, strict=False)
        unexpected = [name for name in unexpected if not name.endswith("lm_head.weight")]
        if missing or unexpected:
            raise RuntimeError(
                "the decode snapshot does not match the trained model's architecture: "
                f"missing {missing[:3]}, unexpected {unexpected[:3]} "
                "(set policy.decode_snapshot: false)"
            )
        self.refreshes += 1

    def clear(self) -> None:
        """Drop the snapshot (frees its weights); the next `model_for` rebuilds it."""
        self.model, self._fingerprint = None, None
