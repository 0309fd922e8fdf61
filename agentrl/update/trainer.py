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

Where each part lives: the credit pipeline in `agentrl.credit.pipeline`, the KL reference
in `agentrl.update.reference`, π_old scoring in `agentrl.update.scoring`, the PPO step in
`agentrl.update.step`, checkpoint state in `agentrl.update.state`; `Trainer` mixes them.

Over several ranks (`agentrl.parallel`) every rank holds the whole batch and
assigns credit on it; the scoring passes and each minibatch's micro-batches are split
between the ranks, and the strategy reduces the gradients.
"""

from __future__ import annotations

import random
from collections import Counter

import torch

from agentrl.core.allocator import release_free_memory
from agentrl.core.types import Trajectory
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.credit.context import ShapingContext
from agentrl.credit.pipeline import Credit, assign_credit
from agentrl.credit.registry import advantage_needs
from agentrl.parallel import SingleProcess
from agentrl.policy.hf import HFPolicy
from agentrl.policy.memory import enable_activation_checkpointing
from agentrl.update.entropy import TrainingPhase, make_entropy_regularizer
from agentrl.update.options import AlgorithmOptions, OptimOptions, resolve_rollout_correction
from agentrl.update.reference import ReferenceMixin
from agentrl.update.rollout_correction import mismatch_metrics
from agentrl.update.samples import turn_samples
from agentrl.update.scoring import ScoringMixin
from agentrl.update.signal import can_skip, signal_metrics
from agentrl.update.state import StateMixin
from agentrl.update.step import StepMixin


class Trainer(ReferenceMixin, ScoringMixin, StepMixin, StateMixin):
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
        # rollout_correction: auto → token_tis under bf16 / fp16, none in fp32
        precision = getattr(policy, "precision", None)
        algorithm = resolve_rollout_correction(algorithm, getattr(precision, "name", "float32"))
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

    # -- stages 1 and 2 -----------------------------------------------------------------

    def assign_credit(self, trajectories: list[Trajectory]) -> list[Trajectory]:
        """Shape rewards, estimate advantages, and store each turn's advantage."""
        return self._credit(trajectories)[0]

    def _credit(self, trajectories: list[Trajectory]) -> Credit:
        """(shaped trajectories, their columnar view, the estimator's advantages):
        `agentrl.credit.pipeline.assign_credit` with this trainer's critic and reference."""
        return assign_credit(
            trajectories, self.algorithm, context=self.context, critic=self.critic,
            reference_kl=self._write_reference_kl if self.kl_in_reward else None,
        )

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
        metrics |= signal_metrics(samples, skip=can_skip(self.algorithm, self.entropy))
        metrics["perf/bf16"] = float(self.policy.precision.name == "bfloat16")  # policy.dtype
        if self.critic is not None:
            metrics.update(self._fit_critic(shaped, batch))
        if not samples:
            return metrics
        samples, first_step = self._score_old_policy(samples, metrics)
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

    def _fit_critic(self, shaped: list[Trajectory], batch: TurnBatch) -> dict[str, float]:
        """Fit the critic on the targets the estimator declared (`Needs.values`)."""
        assert self.critic is not None and self.needs.values is not None
        return self.critic.fit(shaped, self.needs.values(batch, **self.algorithm.advantage_options))


