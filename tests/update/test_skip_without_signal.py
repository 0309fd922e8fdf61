"""No work without signal: turns whose advantage is 0 skip the forward and backward pass when
nothing else in the loss sees them, and the update is the one without the skip."""

from __future__ import annotations

import copy

import pytest
import torch

from agentrl.policy.hf import HFPolicy
from agentrl.update.samples import TurnSample
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer
from tests.update.test_trainer import sampled_batch


class WithoutSkip(Trainer):
    """The plain path: every turn goes through the model."""

    def _turns_to_forward(self, minibatch: list[TurnSample]) -> list[TurnSample]:
        return minibatch


@pytest.fixture(scope="module")
def base() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama", dtype="float32")


def _train(trainer_class: type[Trainer], base: HFPolicy, algorithm: AlgorithmOptions,
           ) -> tuple[list[torch.Tensor], dict[str, float], int]:
    """(parameters after one update, its metrics, the rows that went through the model)."""
    # float64: the two paths cut micro-batches differently (other paddings), and Adam's
    # 1 / √v magnifies fp32 rounding on near-zero gradients past 1e-6
    policy = HFPolicy(copy.deepcopy(base.model).double(), base.tokenizer)
    # group a: rewards 1, 0 (signal on its 4 turns); groups b, c: all equal (advantage 0)
    batch = sampled_batch(base, [1.0, 0.0, 1.0, 1.0, 0.0, 0.0],
                          ["a", "a", "b", "b", "c", "c"])
    rows = 0
    score = policy.score

    def counted(prompts: list[list[int]], *args: object, **kwargs: object):  # noqa: ANN202
        nonlocal rows
        rows += len(prompts)
        return score(prompts, *args, **kwargs)

    policy.score = counted  # type: ignore[method-assign]
    # minibatches of 4 over 12 turns, 2 epochs: some minibatches hold no turn with signal,
    # and Adam's moments from earlier steps move the weights there too
    optim = OptimOptions(lr=1e-3, ppo_epochs=2, minibatch_size=4, micro_batch_size=2)
    metrics = trainer_class(policy, algorithm, optim, seed=3).update(batch)
    return [p.detach().clone() for p in policy.trainable_parameters()], metrics, rows


def test_skipping_turns_without_signal_gives_the_same_parameters(base: HFPolicy) -> None:
    skipped, metrics, rows = _train(Trainer, base, AlgorithmOptions())
    plain, plain_metrics, plain_rows = _train(WithoutSkip, base, AlgorithmOptions())
    assert metrics["train/turns"] == 12.0
    assert metrics["train/turns_with_signal"] == 4.0  # group a's 2 trajectories × 2 turns
    assert metrics["train/turns_skipped"] == 8.0
    assert plain_rows == 2 * 12 and rows == 2 * 4  # two epochs, the first one also measures
    # the normaliser still counts every token: the same loss, the same gradient norm
    assert metrics["loss/policy"] == pytest.approx(plain_metrics["loss/policy"], abs=1e-7)
    assert metrics["train/grad_norm"] == pytest.approx(plain_metrics["train/grad_norm"],
                                                       rel=1e-6)
    assert any(not p.equal(q.double()) for p, q in zip(plain, base.model.parameters(), strict=True))
    for ours, theirs in zip(skipped, plain, strict=True):
        torch.testing.assert_close(ours, theirs, atol=1e-6, rtol=0)


def test_a_kl_term_sees_every_turn(base: HFPolicy) -> None:
    _, metrics, rows = _train(Trainer, base, AlgorithmOptions(kl_coef=0.1))
    assert metrics["train/turns_with_signal"] == 4.0
    assert metrics["train/turns_skipped"] == 0.0
    assert rows >= 2 * 12  # every turn, each epoch (and the reference's rows besides)
