"""π_old scoring for the update: the trainer's log-probs of the sampled tokens before any
optimizer step (eval mode, the rollout's temperature), the input of the rollout / training
mismatch measure and of the truncated importance sampling correction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from agentrl.policy.dropout import has_active_dropout
from agentrl.update.options import AlgorithmOptions, OptimOptions
from agentrl.update.rollout_correction import mismatch_metrics
from agentrl.update.samples import TurnSample

if TYPE_CHECKING:
    from agentrl.parallel import SingleProcess
    from agentrl.policy.hf import HFPolicy


class ScoringMixin:
    """The `Trainer`'s no-gradient scoring passes (π_old, and the reference's rows)."""

    policy: HFPolicy
    parallel: SingleProcess
    temperature: float
    algorithm: AlgorithmOptions
    optim: OptimOptions

    @torch.no_grad()
    def _logprobs_of(
        self, items: list[tuple[Any, ...]], score: Callable[..., torch.Tensor],
    ) -> list[list[float]]:
        """Each item's action log-probs, in micro-batches, scored as at rollout (eval mode:
        no dropout). Items are (prompt ids, action ids, …); ``score`` gets their columns
        (prompts, actions, …) and returns [B, width] log-probs, actions right-aligned."""
        size = self.optim.micro_batch_size
        training = self.policy.model.training
        self.policy.model.eval()
        # by prompt: the rows of a chunk share long prefixes (`agentrl.policy.shared_prefix`)
        order = sorted(range(len(items)), key=lambda index: items[index][0])
        rows: list[list[float]] = [[] for _ in items]
        try:
            for start in range(0, len(items), size):
                chunk = order[start : start + size]
                logprobs = score(*(list(column) for column in
                                   zip(*(items[i] for i in chunk), strict=True)))
                width = logprobs.shape[1]
                for row, index in enumerate(chunk):
                    rows[index] = logprobs[row, width - len(items[index][1]) :].tolist()
        finally:
            self.policy.model.train(training)
        return rows


    def _score_old_policy(
        self, samples: list[TurnSample], metrics: dict[str, float],
    ) -> tuple[list[TurnSample], list[tuple[list[float], list[float]]] | None]:
        """π_old's log-probs of the sampled tokens, before any step: a pass of their own
        when the decoupled loss needs them for every turn (or the first step's forward could
        differ from them; the mismatch goes into ``metrics`` now), else an empty list the
        first optimizer step's forward pass fills. None: no mismatch measured."""
        if not self.algorithm.measure_rollout_mismatch:
            return samples, None
        if not self._mismatch_needs_own_pass():
            return samples, []
        samples = self._with_trainer_logprobs(samples)
        metrics.update(mismatch_metrics([s.trainer_logprobs for s in samples],
                                        [s.old_logprobs for s in samples]))
        return samples, None

    def _mismatch_needs_own_pass(self) -> bool:
        """Whether π_old's log-probs need a scoring pass before the update. Not when the
        first optimizer step's forward pass gives them: the loss does not weight by them
        (``rollout_correction: none``), one process holds the whole minibatch, and no dropout
        makes the training forward differ from the rollout's eval-mode one. The mismatch is
        then measured on the first minibatch (all turns when it holds the batch; only its
        turns with signal when the others skip the pass, `agentrl.update.signal`)."""
        return (self.algorithm.rollout_correction != "none" or self.parallel.world_size > 1
                or has_active_dropout(self.policy.model))


    def _with_trainer_logprobs(self, samples: list[TurnSample]) -> list[TurnSample]:
        """The samples with π_old: the trainer's log-probs of their tokens before any step,
        scored as at rollout (eval mode, the rollout's temperature)."""
        def score(prompts: list[list[int]], actions: list[list[int]],
                  images: list[list[str]]) -> torch.Tensor:
            return self.policy.score(prompts, actions, temperature=self.temperature,
                                     images=images).logprobs

        items = [(s.prompt_ids, s.action_ids, list(s.images)) for s in samples]
        logprobs = self.parallel.map_sharded(lambda share: self._logprobs_of(share, score),
                                             items)
        return [dataclasses.replace(sample, trainer_logprobs=own)
                for sample, own in zip(samples, logprobs, strict=True)]
