"""The PPO step of the update: one optimizer step on a minibatch, in micro-batches, with
the clipped policy loss, the KL term, the entropy bonus and the rollout correction."""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

import torch

from agentrl.update.entropy import TrainingPhase
from agentrl.update.loss import LossAggregation, aggregate, aggregate_turns, clipped_policy_terms
from agentrl.update.options import AlgorithmOptions, OptimOptions
from agentrl.update.rollout_correction import tis_weights, weight_metrics
from agentrl.update.samples import TurnSample, advantage_matrix, right_aligned
from agentrl.update.signal import can_skip, carries_signal, zero_missing_grads

if TYPE_CHECKING:
    from agentrl.parallel import SingleProcess
    from agentrl.policy.hf import HFPolicy


@dataclasses.dataclass(frozen=True)
class StepPlan:
    """What the micro-batches of one optimizer step share: the aggregation, each term's
    per-rank normalizer (its count over the whole minibatch / world size), the training
    phase and each trajectory's turn weight 1 / T_i."""

    aggregation: LossAggregation
    normalizer: float
    entropy_normalizer: float
    phase: TrainingPhase
    turn_weights: dict[int, float]

    def padding(self) -> StepPlan:
        """The plan of a padding micro-batch: every term divided by ∞ adds zero."""
        return dataclasses.replace(self, normalizer=math.inf, entropy_normalizer=math.inf)


class StepMixin:
    """The `Trainer`'s optimizer step."""

    policy: HFPolicy
    parallel: SingleProcess
    temperature: float
    algorithm: AlgorithmOptions
    optim: OptimOptions
    optimizer: torch.optim.Optimizer
    entropy: Any
    _reference_logprobs: Any

    def _optimizer_step(
        self, minibatch: list[TurnSample], phase: TrainingPhase, turn_weights: dict[int, float],
        *, record: list[tuple[list[float], list[float]]] | None = None,
        statistics: dict[str, float],
    ) -> dict[str, float]:
        """One optimizer step on ``minibatch``, in micro-batches. ``record`` gets each
        turn's (trainer log-probs, rollout log-probs) of its action tokens from the forward
        pass, before the step; ``statistics`` the entropy term's sums of this rank's turns."""
        self.optimizer.zero_grad(set_to_none=True)
        plan = self._plan(minibatch, phase, turn_weights)  # counts every turn, skipped or not
        totals = {"loss/policy": 0.0, "loss/kl": 0.0, "loss/entropy_bonus": 0.0,
                  "train/clipfrac": 0.0, "train/approx_kl": 0.0, "train/entropy": 0.0}
        forwarded = self._turns_to_forward(minibatch)
        tokens = max(sum(len(s.action_ids) for s in forwarded), 1)
        for micro, counts in self.parallel.micro_batches(forwarded, self.optim.micro_batch_size):
            # a padding micro-batch (FSDP: equal forward passes on all ranks) adds zero loss
            step = self._micro_step(micro, plan if counts else plan.padding(),
                                    record=record if counts else None,
                                    statistics=statistics if counts else None)
            for key, value in step.items():
                totals[key] = totals.get(key, 0.0) + (value if counts else 0.0)
        parameters = list(self.policy.trainable_parameters())
        zero_missing_grads(parameters)  # no pass ran (no turn with signal): zero gradients
        self.parallel.reduce_gradients(parameters)
        grad_norm = self.parallel.clip_grad_norm(parameters, self.optim.max_grad_norm)
        totals = self.parallel.sum_metrics(totals)  # over ranks; each rank's loss was
        for key in ("loss/policy", "loss/kl", "loss/entropy_bonus"):  # world_size × its
            totals[key] /= self.parallel.world_size                   # share of the mean
        self.optimizer.step()
        for key in ("train/clipfrac", "train/approx_kl", "train/entropy", "train/tis_weight",
                    "train/tis_clipfrac"):
            if key in totals:
                totals[key] /= tokens
        for key in [k for k in totals if k.startswith("entropy/")]:
            totals[key] /= tokens  # the entropy term reports sums over tokens
        totals["train/grad_norm"] = float(grad_norm)
        return totals


    def _turns_to_forward(self, minibatch: list[TurnSample]) -> list[TurnSample]:
        """The turns that go through the model, sorted by prompt (rows of a micro-batch
        then share long prefixes: `agentrl.policy.shared_prefix`): all, or only those with
        a non-zero advantage when nothing else in the loss sees the others
        (`agentrl.update.signal`). The metrics averaged over tokens (clip fraction, approx
        KL, entropy) are then averages over the forwarded turns' tokens."""
        if can_skip(self.algorithm, self.entropy):
            minibatch = [sample for sample in minibatch if carries_signal(sample)]
        # neighbours share the longest prompt prefixes, which a micro-batch computes once
        return sorted(minibatch, key=lambda sample: sample.prompt_ids)

    def _plan(self, minibatch: list[TurnSample], phase: TrainingPhase,
              turn_weights: dict[int, float]) -> StepPlan:
        """The normalizers of one optimizer step: each term's count over the whole
        minibatch, shared between ranks, so the reduced loss is the minibatch's whatever
        its cut into micro-batches and ranks."""
        aggregation = self.algorithm.loss_aggregation
        count = (sum(len(s.action_ids) for s in minibatch) if aggregation == "token-mean"
                 else len(minibatch))
        normalizer = self.parallel.loss_normalizer(float(count))
        entropy_normalizer = normalizer
        if self.entropy is not None and self.entropy.aggregation == "trajectory":
            entropy_normalizer = self.parallel.loss_normalizer(
                sum(turn_weights[s.trajectory_index] for s in minibatch))
        return StepPlan(aggregation, normalizer, entropy_normalizer, phase, turn_weights)


    def _micro_step(
        self, micro: list[TurnSample], plan: StepPlan, *,
        record: list[tuple[list[float], list[float]]] | None = None,
        statistics: dict[str, float] | None = None,
    ) -> dict[str, float]:
        prompts = [s.prompt_ids for s in micro]
        actions = [s.action_ids for s in micro]
        images = [list(s.images) for s in micro]
        # before the policy's forward pass: a LoRA reference swaps adapter weights in place
        ref_logprobs = (self._reference_logprobs(prompts, actions, images)
                        if self.algorithm.kl_coef > 0 else None)
        scores = self.policy.score(prompts, actions, temperature=self.temperature, images=images)
        width, mask = scores.logprobs.shape[1], scores.mask
        if record is not None:
            detached = scores.logprobs.detach()
            record += [(detached[row, width - len(s.action_ids) :].tolist(), s.old_logprobs)
                       for row, s in enumerate(micro)]
        correction = self.algorithm.rollout_correction
        old, weights = self._ratio_base(micro, width, mask, scores.logprobs.device)
        advantages = advantage_matrix(micro, width).to(old.device, old.dtype)
        terms = clipped_policy_terms(
            scores.logprobs, old, advantages,
            clip_low=self.algorithm.clip_low, clip_high=self.algorithm.clip_high,
            ref_logprobs=ref_logprobs, weights=weights,
        )
        policy_loss = aggregate(terms.policy, mask, plan.aggregation, plan.normalizer)
        kl_loss = aggregate(terms.kl, mask, plan.aggregation, plan.normalizer)
        loss = policy_loss + self.algorithm.kl_coef * kl_loss
        bonus, entropy_metrics = torch.zeros(()), {}
        if self.entropy is not None:
            bonus, entropy_metrics = self._entropy_bonus(micro, scores.entropies, mask, plan,
                                                         statistics)
            loss = loss - bonus
        loss.backward()
        with torch.no_grad():
            return {
                "loss/policy": float(policy_loss),
                "loss/kl": float(kl_loss),
                "loss/entropy_bonus": float(bonus),
                "train/clipfrac": float((terms.clipped * mask).sum()),
                # k3 estimate of KL(π_old ‖ π_θ) per token, summed here, averaged by caller
                "train/approx_kl": float(
                    ((terms.log_ratio.exp() - 1 - terms.log_ratio) * mask).sum()
                ),
                "train/entropy": float((scores.entropies * mask).sum()),
            } | entropy_metrics | (
                weight_metrics(weights, mask, correction, self.algorithm.rollout_correction_clip)
                if weights is not None else {})


    def _ratio_base(
        self, micro: list[TurnSample], width: int, mask: torch.Tensor, device: torch.device,
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The PPO ratio's π_old and the importance weights: the rollout's log-probs and
        none, or with a rollout correction (decoupled) the trainer's π_old and the truncated
        weights min(π_old / π_rollout, C) (`agentrl.update.rollout_correction`)."""
        rollout = right_aligned([s.old_logprobs for s in micro], width).to(device)
        correction = self.algorithm.rollout_correction
        if correction == "none":
            return rollout, None
        old = right_aligned([s.trainer_logprobs for s in micro], width).to(device)
        return old, tis_weights(old, rollout, mask, correction,
                                self.algorithm.rollout_correction_clip)

    def _entropy_bonus(
        self, micro: list[TurnSample], entropies: torch.Tensor, mask: torch.Tensor,
        plan: StepPlan, statistics: dict[str, float] | None,
    ) -> tuple[torch.Tensor, dict[str, float]]:
        """This micro-batch's share of coef · agg(v), v the term's per-token values,
        aggregated over the minibatch as the term asks (`agentrl.update.entropy`); adds the
        term's sums to ``statistics`` (None: a padding micro-batch, which counts nothing)."""
        assert self.entropy is not None
        turn_index = torch.tensor([s.turn_index for s in micro], dtype=torch.long)
        if statistics is not None:
            for key, value in self.entropy.statistics(entropies, mask, turn_index).items():
                statistics[key] = statistics.get(key, 0.0) + value
        values, metrics = self.entropy.token_values(entropies, mask, turn_index, plan.phase)
        if self.entropy.aggregation == "trajectory":
            weights = torch.tensor([plan.turn_weights[s.trajectory_index] for s in micro],
                                   device=values.device)
            value = aggregate_turns(values, mask, weights, plan.entropy_normalizer)
        else:
            value = aggregate(values, mask, plan.aggregation, plan.entropy_normalizer)
        return self.entropy.coef * value, metrics
