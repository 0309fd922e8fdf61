"""The update step: rewards → advantages → loss → optimizer, on one batch of episodes.

The stages, in the order data moves:
1. shapings rewrite per-turn rewards (registry `get_shaping`),
2. the estimator turns the batch into one advantage per turn (registry `get_advantage`),
3. each turn's advantage is broadcast to its action tokens and the clipped policy loss
   (+ KL to a reference, − an entropy bonus) is minimised over minibatches.

Before stage 3 the trainer's model scores the sampled tokens once (no gradient): their
distance from the rollout's log-probs is the rollout / training mismatch, logged every
update, and the input of the optional truncated importance sampling correction
(`agentrl.update.rollout_correction`).

The trainer trains an `HFPolicy`; whatever samples the rollouts (the same policy, or a
vLLM engine) gets the updated weights from the train loop (`Sampler.sync_weights`).

Over several ranks (`agentrl.run.distributed`) every rank holds the whole batch and
assigns credit on it; the scoring passes and each minibatch's micro-batches are split
between the ranks, and the strategy reduces the gradients.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import random
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import torch

from agentrl.core.allocator import release_free_memory
from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.advantages.whitening import whiten
from agentrl.credit.context import ShapingContext
from agentrl.credit.registry import advantage_needs, get_advantage, get_shaping
from agentrl.policy.dropout import has_active_dropout
from agentrl.policy.hf import HFPolicy
from agentrl.policy.memory import enable_activation_checkpointing
from agentrl.policy.multimodal import trajectory_prompt_images
from agentrl.run.distributed import SingleProcess
from agentrl.update.entropy import TrainingPhase, make_entropy_regularizer
from agentrl.update.loss import LossAggregation, aggregate, aggregate_turns, clipped_policy_terms
from agentrl.update.options import AlgorithmOptions, OptimOptions
from agentrl.update.rollout_correction import (
    mismatch_metrics,
    tis_weights,
    weight_metrics,
)
from agentrl.update.samples import TurnSample, advantage_matrix, right_aligned, turn_samples


@dataclasses.dataclass(frozen=True)
class _StepPlan:
    """What the micro-batches of one optimizer step share: the aggregation, each term's
    per-rank normalizer (its count over the whole minibatch / world size), the training
    phase and each trajectory's turn weight 1 / T_i."""

    aggregation: LossAggregation
    normalizer: float
    entropy_normalizer: float
    phase: TrainingPhase
    turn_weights: dict[int, float]

    def padding(self) -> _StepPlan:
        """The plan of a padding micro-batch: every term divided by ∞ adds zero."""
        return dataclasses.replace(self, normalizer=math.inf, entropy_normalizer=math.inf)


class Trainer:
    """Turns batches of trajectories into policy updates. State: optimizer + shaping state."""

    def __init__(
        self,
        policy: HFPolicy,
        algorithm: AlgorithmOptions,
        optim: OptimOptions,
        *,
        temperature: float = 1.0,
        seed: int = 0,
        parallel: SingleProcess | None = None,
    ) -> None:
        self.policy = policy
        self.algorithm = algorithm
        self.optim = optim
        self.temperature = temperature
        self.seed = seed
        self.parallel = parallel or SingleProcess()
        if optim.activation_checkpointing:  # before FSDP wraps the layers
            enable_activation_checkpointing(policy.model)
        # what the estimator declared: a critic, the reference's log-probs in the reward
        self.needs = advantage_needs(algorithm.advantage, algorithm.advantage_options)
        self.kl_in_reward = self.needs.reference_logprobs
        self.uses_reference = algorithm.kl_coef > 0 or self.kl_in_reward
        self.reference = self._make_reference() if self.uses_reference else None
        self.parallel.prepare(policy.model)  # copied before: FSDP modules cannot be copied
        if self.reference is not None:
            self.parallel.prepare(self.reference)
        self.optimizer = torch.optim.AdamW(
            list(policy.trainable_parameters()), lr=optim.lr, weight_decay=optim.weight_decay
        )
        self.entropy = make_entropy_regularizer(algorithm.entropy, **algorithm.entropy_options)
        # LoRA: the reference adapter weights once `anchor_reference` ran (None: adapter off)
        self.reference_adapter: dict[str, torch.Tensor] | None = None
        self.reference_anchored = False  # True once the reference is not the start model
        self.context = ShapingContext(policy=policy, state={}, iteration=0, progress=0.0, seed=seed)
        self.critic = None
        if self.needs.values is not None:
            from agentrl.credit.critic import Critic

            self.critic = Critic(policy, level=algorithm.advantage_options.get("level", "turn"),
                                 seed=seed, **algorithm.critic_options)

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

    # -- stages 1 and 2 -----------------------------------------------------------------

    def assign_credit(self, trajectories: list[Trajectory]) -> list[Trajectory]:
        """Shape rewards, estimate advantages, and store each turn's advantage."""
        return self._credit(trajectories)[0]

    def _credit(
        self, trajectories: list[Trajectory]
    ) -> tuple[list[Trajectory], TurnBatch, list[list[float | list[float]]]]:
        """(shaped trajectories, their columnar view, the estimator's advantages).

        The view is built once, after the stages that write per-turn data (shapings, the
        critic's values, the reference KL); the critic and the KL hand it their columns
        instead of having them read back, and it is shared by the estimator and the critic's
        targets, so no column is read from the turns twice in an update.
        """
        shaped = trajectories
        for name in self.algorithm.shaping:
            shaping = get_shaping(name)
            options = dict(self.algorithm.shaping_options.get(name, {}))
            if "context" in inspect.signature(shaping).parameters:
                options["context"] = self.context
            shaped = shaping(shaped, **options)
        values = self.critic.annotate(shaped) if self.critic is not None else None
        token_kl = self._write_reference_kl(shaped) if self.kl_in_reward else None
        batch = TurnBatch.build(shaped)  # the stages above hand it what they wrote
        if self.critic is not None:
            by_token = self.critic.level == "token"
            batch.put("token_values" if by_token else "value", values, per_token=by_token)
        if token_kl is not None:
            batch.put("token_kl", token_kl, per_token=True)
            batch.put("kl", np.bincount(batch.token_turn, weights=token_kl,
                                        minlength=batch.n_turns))
        advantages = get_advantage(self.algorithm.advantage)(
            batch, **self.algorithm.advantage_options
        )
        if self.algorithm.advantage_whitening:
            advantages = whiten(advantages, [t.errored for t in shaped])
        for trajectory, per_turn in zip(shaped, advantages, strict=True):
            for turn, advantage in zip(trajectory.turns, per_turn, strict=True):
                # per-token advantages (REINFORCE++'s KL in the reward) show as their mean
                turn.advantage = float(np.mean(advantage)) if isinstance(advantage, list) \
                    else advantage
        if shaped is not trajectories:
            _copy_credit(shaped, trajectories)
        return shaped, batch, advantages

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
    def _logprobs_of(
        self, items: list[tuple[Any, ...]], score: Callable[..., torch.Tensor],
    ) -> list[list[float]]:
        """Each item's action log-probs, in micro-batches, scored as at rollout (eval mode:
        no dropout). Items are (prompt ids, action ids, …); ``score`` gets their columns
        (prompts, actions, …) and returns [B, width] log-probs, actions right-aligned."""
        size = self.optim.micro_batch_size
        training = self.policy.model.training
        self.policy.model.eval()
        rows: list[list[float]] = []
        try:
            for start in range(0, len(items), size):
                chunk = items[start : start + size]
                logprobs = score(*(list(column) for column in zip(*chunk, strict=True)))
                width = logprobs.shape[1]
                rows += [logprobs[row, width - len(item[1]) :].tolist()
                         for row, item in enumerate(chunk)]
        finally:
            self.policy.model.train(training)
        return rows

    # -- stage 3 --------------------------------------------------------------------------

    def update(
        self, trajectories: list[Trajectory], *, iteration: int = 0, progress: float = 0.0
    ) -> dict[str, float]:
        """One training step on a batch; returns the step's metrics."""
        self.context.iteration, self.context.progress = iteration, progress
        self.policy.prefix_store.clear()  # rollout caches go stale with the first step
        release_free_memory()  # the rollout's freed buffers go back before the update's peak
        shaped, batch, advantages = self._credit(trajectories)
        samples = turn_samples(shaped, advantages)
        metrics: dict[str, float] = {"train/turns": float(len(samples))}
        if self.critic is not None:
            metrics.update(self._fit_critic(shaped, batch))
        if not samples:
            return metrics
        # π_old's log-probs of the sampled tokens, before any step: a pass of their own when
        # the decoupled loss needs them for every turn (or the first step's forward could
        # differ from them), else read from the first optimizer step's forward pass
        first_step: list[tuple[list[float], list[float]]] | None = None
        if self.algorithm.measure_rollout_mismatch:
            if self._mismatch_needs_own_pass():
                samples = self._with_trainer_logprobs(samples)
                metrics.update(mismatch_metrics([s.trainer_logprobs for s in samples],
                                                [s.old_logprobs for s in samples]))
            else:
                first_step = []
        order = random.Random(self.seed + iteration)
        self.policy.model.train()
        sums: dict[str, float] = {}
        steps = 0
        phase = TrainingPhase(iteration, progress)
        # EPO Eq. 2 weighs each turn 1 / T_i, T_i its trajectory's turns in the batch
        turn_weights = {i: 1.0 / n for i, n in Counter(s.trajectory_index
                                                       for s in samples).items()}
        statistics: dict[str, float] = {}  # the entropy term's sums over this rank's turns
        for _ in range(self.optim.ppo_epochs):
            shuffled = samples[:]
            order.shuffle(shuffled)
            for start in range(0, len(shuffled), self.optim.minibatch_size):
                step_metrics = self._optimizer_step(
                    shuffled[start : start + self.optim.minibatch_size], phase, turn_weights,
                    record=first_step if steps == 0 else None, statistics=statistics,
                )
                for key, value in step_metrics.items():
                    sums[key] = sums.get(key, 0.0) + value
                steps += 1
        if first_step:  # filled by the first optimizer step's forward pass
            metrics.update(mismatch_metrics(*zip(*first_step, strict=True)))
        metrics.update({key: value / steps for key, value in sums.items()})
        if self.entropy is not None:  # summed over the batch and every rank: all ranks
            metrics |= self.entropy.phase_metrics(phase) | self.entropy.end_iteration(
                self.parallel.sum_metrics(statistics))  # fold the same history
        return metrics

    def _mismatch_needs_own_pass(self) -> bool:
        """Whether π_old's log-probs need a scoring pass before the update. Not when the
        first optimizer step's forward pass gives them: the loss does not weight by them
        (``rollout_correction: none``), one process holds the whole minibatch, and no dropout
        makes the training forward differ from the rollout's eval-mode one. The mismatch is
        then measured on the first minibatch (all turns when it holds the batch)."""
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

    def _fit_critic(self, shaped: list[Trajectory], batch: TurnBatch) -> dict[str, float]:
        """Fit the critic on the targets the estimator declared (`Needs.values`)."""
        assert self.critic is not None and self.needs.values is not None
        return self.critic.fit(shaped, self.needs.values(batch, **self.algorithm.advantage_options))

    def _optimizer_step(
        self, minibatch: list[TurnSample], phase: TrainingPhase, turn_weights: dict[int, float],
        *, record: list[tuple[list[float], list[float]]] | None = None,
        statistics: dict[str, float],
    ) -> dict[str, float]:
        """One optimizer step on ``minibatch``, in micro-batches. ``record`` gets each
        turn's (trainer log-probs, rollout log-probs) of its action tokens from the forward
        pass, before the step; ``statistics`` the entropy term's sums of this rank's turns."""
        self.optimizer.zero_grad(set_to_none=True)
        plan = self._plan(minibatch, phase, turn_weights)
        totals = {"loss/policy": 0.0, "loss/kl": 0.0, "loss/entropy_bonus": 0.0,
                  "train/clipfrac": 0.0, "train/approx_kl": 0.0, "train/entropy": 0.0}
        tokens = sum(len(s.action_ids) for s in minibatch)
        for micro, counts in self.parallel.micro_batches(minibatch, self.optim.micro_batch_size):
            # a padding micro-batch (FSDP: equal forward passes on all ranks) adds zero loss
            step = self._micro_step(micro, plan if counts else plan.padding(),
                                    record=record if counts else None,
                                    statistics=statistics if counts else None)
            for key, value in step.items():
                totals[key] = totals.get(key, 0.0) + (value if counts else 0.0)
        parameters = list(self.policy.trainable_parameters())
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

    def _plan(self, minibatch: list[TurnSample], phase: TrainingPhase,
              turn_weights: dict[int, float]) -> _StepPlan:
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
        return _StepPlan(aggregation, normalizer, entropy_normalizer, phase, turn_weights)

    def _micro_step(
        self, micro: list[TurnSample], plan: _StepPlan, *,
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
        device = scores.logprobs.device
        rollout = right_aligned([s.old_logprobs for s in micro], width).to(device)
        correction, weights = self.algorithm.rollout_correction, None
        old = rollout
        if correction != "none":  # decoupled: ratio to the trainer's π_old, IS weight to it
            old = right_aligned([s.trainer_logprobs for s in micro], width).to(device)
            weights = tis_weights(old, rollout, mask, correction,
                                  self.algorithm.rollout_correction_clip)
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

    def _entropy_bonus(
        self, micro: list[TurnSample], entropies: torch.Tensor, mask: torch.Tensor,
        plan: _StepPlan, statistics: dict[str, float] | None,
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

    # -- checkpointing ------------------------------------------------------------------

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


def _copy_credit(source: list[Trajectory], target: list[Trajectory]) -> None:
    """Shapings return copies; give the caller's trajectories (saved as samples for
    `agentrl inspect`) the shaped rewards, their components, the advantages and the
    critic's value / reference KL of each turn too."""
    for shaped, original in zip(source, target, strict=True):
        original.outcome_reward = shaped.outcome_reward
        for new, old in zip(shaped.turns, original.turns, strict=True):
            old.reward, old.advantage = new.reward, new.advantage
            for key in ("reward_components", "value", "kl"):
                if key in new.info:
                    old.info[key] = new.info[key]
