"""The update's option models (the recipe's ``algorithm`` and ``optim`` sections) and the
literals they use: torch-free, so the recipe schema loads without the trainer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

LossAggregation = Literal["token-mean", "seq-mean-token-mean", "seq-mean-token-sum"]


RolloutCorrection = Literal["auto", "none", "token_tis", "seq_tis", "decoupled"]
REDUCED_PRECISION = ("bfloat16", "float16")  # dtypes whose rollout / trainer gap auto corrects


class AlgorithmOptions(BaseModel):
    """Credit assignment and loss."""

    model_config = ConfigDict(extra="forbid")

    advantage: str = Field(default="grpo", description="Registered advantage estimator.")
    advantage_options: dict[str, Any] = Field(
        default_factory=dict, description="Keyword options of the estimator."
    )
    shaping: list[str] = Field(
        default_factory=list, description="Registered reward shapings, applied in order."
    )
    shaping_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Options per shaping name."
    )
    entropy: str = Field(default="none", description="Entropy term: none, plain or epo.")
    entropy_options: dict[str, Any] = Field(
        default_factory=dict,
        description="Options of the entropy term: coef (plain, epo). EPO (arXiv 2509.22576v2, "
        "`agentrl.update.epo`): variant 'paper' (default: kappa_low, kappa_high, alpha, gamma, "
        "total_steps, aggregation 'trajectory' | 'loss') or 'code', the authors' code "
        "(kappa_low, kappa_high, alpha, max_turns, mode, hinge, aggregation).",
    )
    critic_options: dict[str, Any] = Field(
        default_factory=dict,
        description="Options of the critic built when the estimator declares it needs values "
                    "(hidden, lr, batch_size, fit_epochs); its level follows "
                    "advantage_options.level.",
    )
    advantage_whitening: bool = Field(
        default=False,
        description="Divide the batch's advantages by their RMS, A / sqrt(mean A² + ε) "
        "(`agentrl.credit.advantages.whitening`), so methods compared at one learning rate "
        "take equal-sized steps.",
    )
    clip_low: float = Field(default=0.2, ge=0, description="PPO ε below 1.")
    clip_high: float = Field(default=0.28, ge=0, description="PPO ε above 1 (clip-higher).")
    kl_coef: float = Field(default=0.0, ge=0, description="β of the k3 KL to the reference.")
    loss_aggregation: LossAggregation = Field(
        default="token-mean", description="How token losses are reduced."
    )
    rollout_correction: RolloutCorrection = Field(
        default="auto",
        description="Truncated importance sampling for the rollout / training mismatch. "
        "auto (default): token_tis when policy.dtype resolves to bfloat16 or float16 (the "
        "reduced-precision rollout / trainer log-prob gap, ~0.04 nats per token measured, "
        "docs/concepts/speed.md) and measure_rollout_mismatch is on, none otherwise (float32); "
        "none, token_tis (w = min(π_old / π_rollout, C) per token) or seq_tis (one weight "
        "per turn, the product over its tokens); the PPO ratio then uses the trainer's π_old. "
        "decoupled: AReaL's decoupled PPO for stale (async) samples, w = π_prox / π_behav "
        "untruncated, the clip around π_prox (`agentrl.update.offpolicy`).",
    )
    rollout_correction_clip: float | None = Field(
        default=None, gt=0,
        description="C, the truncation of the importance weights; default 2.0 for token_tis, "
        "5.0 for seq_tis (verl / SkyRL). With decoupled: tokens whose weight exceeds C are "
        "dropped (AReaL's behav_imp_weight_cap); default none (the paper's objective).",
    )
    measure_rollout_mismatch: bool = Field(
        default=True,
        description="Log train/rollout_logprob_diff_mean / _max: the trainer's log-probs of "
        "the sampled tokens before the update against the rollout's. Read from the first "
        "optimizer step's forward pass (its minibatch's turns) where that pass gives them "
        "(no rollout_correction, one process, no dropout), else one no-grad scoring pass "
        "over the batch. rollout_correction needs it.",
    )

    @model_validator(mode="after")
    def _correction_needs_measurement(self) -> AlgorithmOptions:
        if self.rollout_correction not in ("none", "auto") and not self.measure_rollout_mismatch:
            raise ValueError(
                f"rollout_correction={self.rollout_correction!r} needs the trainer's log-probs "
                "of the sampled tokens: set measure_rollout_mismatch=true"
            )
        return self


def resolve_rollout_correction(algorithm: AlgorithmOptions, dtype: str) -> AlgorithmOptions:
    """``algorithm`` with ``rollout_correction: auto`` made concrete for a policy computing in
    ``dtype`` (its resolved ``policy.dtype``): token_tis under bfloat16 / float16 when the
    mismatch is measured, else none; any other value is returned as it is."""
    if algorithm.rollout_correction != "auto":
        return algorithm
    reduced = dtype in REDUCED_PRECISION and algorithm.measure_rollout_mismatch
    return algorithm.model_copy(update={"rollout_correction": "token_tis" if reduced else "none"})


class OptimOptions(BaseModel):
    """Optimisation."""

    model_config = ConfigDict(extra="forbid")

    lr: float = Field(default=1e-5, gt=0, description="AdamW learning rate.")
    weight_decay: float = Field(default=0.0, ge=0, description="AdamW decoupled weight decay.")
    max_grad_norm: float = Field(default=1.0, gt=0, description="Gradient clipping norm.")
    ppo_epochs: int = Field(default=1, ge=1, description="Passes over each batch.")
    minibatch_size: int = Field(default=32, ge=1, description="Turns per optimizer step.")
    micro_batch_size: int = Field(default=4, ge=1, description="Turns per forward pass.")
    activation_checkpointing: bool = Field(
        default=True,
        description="Recompute each layer's activations in the backward pass instead of "
        "keeping them (`agentrl.policy.memory`): same log-probs and gradients, a fraction of "
        "the memory (an update on 6 turns of the main job: 5.6 -> 3.2 GB), one extra forward "
        "pass of time.",
    )
