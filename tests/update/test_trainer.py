"""The Trainer on hand-built batches whose tokens were really sampled by a tiny policy."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.credit.advantages.batch import TurnBatch
from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy, LoraOptions
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer


@pytest.fixture(scope="module")
def base() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


@pytest.fixture
def policy(base: HFPolicy) -> HFPolicy:
    """A private copy of the tiny model, so updates never leak between tests."""
    return HFPolicy(copy.deepcopy(base.model), base.tokenizer, name="tiny:llama")


def sampled_batch(
    policy: HFPolicy, rewards: list[float], groups: list[str], *, turns: int = 2,
    errored: tuple[int, ...] = (),
) -> list[Trajectory]:
    """Trajectories of ``turns`` turns; each turn's tokens are sampled by ``policy``."""
    prompts = [[1, 30 + i, 40 + t] for i in range(len(rewards)) for t in range(turns)]
    generations = policy.generate_from_ids(prompts, SamplingParams(max_new_tokens=3, seed=0))
    batch = []
    for i, (reward, group) in enumerate(zip(rewards, groups, strict=True)):
        rows = generations[i * turns : (i + 1) * turns]
        batch.append(Trajectory(
            task=Task(id=f"task-{group}", env_id="toy/corridor"),
            turns=[
                Turn(observation=Observation(text=f"cell {t}", state_key=f"cell-{t}"),
                     prompt_ids=g.prompt_ids, action_ids=g.token_ids,
                     action_logprobs=g.logprobs, action="right", state_key=f"cell-{t}",
                     info={"action_valid": t == 0})
                for t, g in enumerate(rows)
            ],
            outcome_reward=reward, success=reward > 0, group_id=group, errored=i in errored,
        ))
    return batch


def snapshot(policy: HFPolicy) -> list[torch.Tensor]:
    return [p.detach().clone() for p in policy.trainable_parameters()]


def moved(before: list[torch.Tensor], policy: HFPolicy) -> bool:
    return any(not a.equal(b) for a, b in zip(before, policy.trainable_parameters(), strict=True))


def test_update_moves_parameters_and_writes_advantages(policy: HFPolicy) -> None:
    batch = sampled_batch(policy, [1.0, 0.0, 1.0, 0.0], ["g1", "g1", "g2", "g2"])
    before = snapshot(policy)
    trainer = Trainer(policy, AlgorithmOptions(), OptimOptions(lr=1e-3))
    metrics = trainer.update(batch)
    assert metrics["train/turns"] == 8.0
    assert all(math.isfinite(v) for v in metrics.values())
    for key in ("loss/policy", "train/clipfrac", "train/approx_kl", "train/grad_norm"):
        assert key in metrics
    assert metrics["train/grad_norm"] > 0
    assert moved(before, policy)
    # GRPO, group {1, 0}: mean 0.5, std 0.5 → ±0.5 / (0.5 + 1e-6).
    expected = 0.5 / (0.5 + 1e-6)
    assert [t.advantage for traj in batch for t in traj.turns] == pytest.approx(
        [expected] * 2 + [-expected] * 2 + [expected] * 2 + [-expected] * 2
    )


def test_equal_rewards_give_zero_loss_and_no_update(policy: HFPolicy) -> None:
    batch = sampled_batch(policy, [1.0, 1.0], ["g", "g"])
    before = snapshot(policy)
    metrics = Trainer(policy, AlgorithmOptions(), OptimOptions(lr=1e-3)).update(batch)
    assert metrics["loss/policy"] == 0.0
    assert metrics["train/grad_norm"] == 0.0
    assert all(p.grad is None or float(p.grad.abs().sum()) == 0.0
               for p in policy.trainable_parameters())
    assert not moved(before, policy)


def test_errored_trajectories_contribute_no_samples(policy: HFPolicy) -> None:
    batch = sampled_batch(policy, [1.0, 0.0, 0.0], ["g", "g", "g"], errored=(2,))
    metrics = Trainer(policy, AlgorithmOptions(), OptimOptions()).update(batch)
    assert metrics["train/turns"] == 4.0
    assert [t.advantage for t in batch[2].turns] == [0.0, 0.0]


@pytest.mark.slow
def test_micro_batch_size_does_not_change_the_update(base: HFPolicy) -> None:
    results = []
    for micro in (1, 8):
        policy = HFPolicy(copy.deepcopy(base.model), base.tokenizer)
        batch = sampled_batch(base, [1.0, 0.0, 0.5, 0.0], ["a", "a", "b", "b"])
        Trainer(policy, AlgorithmOptions(),
                OptimOptions(lr=1e-3, minibatch_size=8, micro_batch_size=micro)).update(batch)
        results.append(snapshot(policy))
    for one, eight in zip(*results, strict=True):
        # Adam divides by √v, which magnifies float noise on near-zero gradients a little.
        torch.testing.assert_close(one, eight, atol=1e-5, rtol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize(("epochs", "minibatch", "micro"), [(1, 8, 8), (2, 4, 2), (3, 3, 1)])
def test_epoch_and_batch_combinations_run(
    policy: HFPolicy, epochs: int, minibatch: int, micro: int
) -> None:
    batch = sampled_batch(policy, [1.0, 0.0, 1.0, 0.0], ["g1", "g1", "g2", "g2"])
    optim = OptimOptions(lr=1e-3, ppo_epochs=epochs, minibatch_size=minibatch,
                         micro_batch_size=micro)
    metrics = Trainer(policy, AlgorithmOptions(), optim).update(batch)
    assert all(math.isfinite(v) for v in metrics.values())
    assert 0.0 <= metrics["train/clipfrac"] <= 1.0


def test_kl_to_a_frozen_reference_copy(policy: HFPolicy) -> None:
    batch = sampled_batch(policy, [1.0, 0.0, 1.0, 0.0], ["g1", "g1", "g2", "g2"])
    trainer = Trainer(policy, AlgorithmOptions(kl_coef=0.1),
                      OptimOptions(lr=1e-2, ppo_epochs=2, minibatch_size=4, micro_batch_size=4))
    assert trainer.reference is not None and trainer.reference is not policy.model
    metrics = trainer.update(batch)
    # The first step starts at the reference (KL 0); later steps have moved away.
    assert metrics["loss/kl"] > 0.0 and math.isfinite(metrics["loss/kl"])
    assert not any(p.requires_grad for p in trainer.reference.parameters())


def lora_trainer(base: HFPolicy, epochs: int) -> tuple[HFPolicy, list[Trajectory], Trainer]:
    """A LoRA policy, a batch sampled by ``base``, and a trainer with a KL term."""
    policy = HFPolicy.from_name("tiny:llama", lora=LoraOptions(r=4, alpha=8))
    batch = sampled_batch(base, [1.0, 0.0], ["g", "g"])
    trainer = Trainer(policy, AlgorithmOptions(kl_coef=0.1), OptimOptions(
        lr=1e-2, ppo_epochs=epochs, minibatch_size=2, micro_batch_size=2))
    return policy, batch, trainer


@pytest.mark.slow
def test_kl_with_lora_uses_the_base_model_as_reference(base: HFPolicy) -> None:
    _, batch, trainer = lora_trainer(base, epochs=3)
    assert trainer.reference is None
    metrics = trainer.update(batch)
    assert math.isfinite(metrics["loss/kl"]) and metrics["loss/kl"] >= 0.0


def _reference_and_policy_logprobs(trainer: Trainer, batch: list[Trajectory]):
    prompts = [turn.prompt_ids for t in batch for turn in t.turns]
    actions = [turn.action_ids for t in batch for turn in t.turns]
    with torch.no_grad():
        policy = trainer.policy.score(prompts, actions).logprobs
        return trainer._reference_logprobs(prompts, actions), policy


def _nudge(parameters) -> None:  # noqa: ANN001 - a stand-in for a warm start
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in parameters:
            p.add_(0.5 * torch.randn(p.shape, generator=generator))


def test_anchored_reference_is_the_policy_at_anchoring_time(policy: HFPolicy) -> None:
    batch = sampled_batch(policy, [1.0, 0.0], ["g", "g"])
    trainer = Trainer(policy, AlgorithmOptions(kl_coef=0.1), OptimOptions(lr=1e-2))
    _nudge(policy.trainable_parameters())
    reference, current = _reference_and_policy_logprobs(trainer, batch)
    assert not torch.allclose(reference, current, atol=1e-3)  # still the start model
    trainer.anchor_reference()
    reference, current = _reference_and_policy_logprobs(trainer, batch)
    torch.testing.assert_close(reference, current)
    state = trainer.state_dict()
    assert "reference" in state
    restored = Trainer(policy, AlgorithmOptions(kl_coef=0.1), OptimOptions(lr=1e-2))
    restored.load_state_dict(state)
    torch.testing.assert_close(_reference_and_policy_logprobs(restored, batch)[0], reference)


@pytest.mark.slow
def test_anchored_lora_reference_is_a_snapshot_of_the_adapter(base: HFPolicy) -> None:
    policy, batch, trainer = lora_trainer(base, epochs=2)
    _nudge(policy.trainable_parameters())  # the "warm-started" adapter
    trainer.anchor_reference()
    anchored, current = _reference_and_policy_logprobs(trainer, batch)
    torch.testing.assert_close(anchored, current)
    with policy.model.disable_adapter(), torch.no_grad():  # not the base model any more
        base_logprobs = policy.score([t.prompt_ids for x in batch for t in x.turns],
                                     [t.action_ids for x in batch for t in x.turns]).logprobs
    assert not torch.allclose(anchored, base_logprobs, atol=1e-3)
    trainer.update(batch)
    reference, moved = _reference_and_policy_logprobs(trainer, batch)
    torch.testing.assert_close(reference, anchored)  # the snapshot, not the updated adapter
    assert not torch.allclose(moved, anchored, atol=1e-4)  # the policy moved and kept its weights
    restored = Trainer(policy, AlgorithmOptions(kl_coef=0.1), OptimOptions(lr=1e-2))
    restored.load_state_dict(trainer.state_dict())
    torch.testing.assert_close(_reference_and_policy_logprobs(restored, batch)[0], anchored)


@pytest.mark.parametrize("entropy", ["plain", "epo"])
def test_entropy_terms_run(policy: HFPolicy, entropy: str) -> None:
    batch = sampled_batch(policy, [1.0, 0.0], ["g", "g"])
    algorithm = AlgorithmOptions(entropy=entropy, entropy_options={"coef": 0.01})
    metrics = Trainer(policy, algorithm, OptimOptions(lr=1e-3)).update(batch)
    assert metrics["loss/entropy_bonus"] != 0.0
    assert all(math.isfinite(v) for v in metrics.values())


def test_epo_history_is_kept_by_the_trainer_checkpoint(policy: HFPolicy) -> None:
    batch = sampled_batch(policy, [1.0, 0.0], ["g", "g"])
    algorithm = AlgorithmOptions(entropy="epo", entropy_options={"coef": 0.01})
    trainer = Trainer(policy, algorithm, OptimOptions(lr=1e-3))
    trainer.update(batch, iteration=0, progress=0.5)
    assert len(trainer.entropy.history) == 1
    restored = Trainer(policy, algorithm, OptimOptions(lr=1e-3))
    restored.load_state_dict(trainer.state_dict())
    assert restored.entropy.history == trainer.entropy.history
    code = AlgorithmOptions(entropy="epo", entropy_options={"variant": "code"})
    with pytest.raises(ValueError, match="variant: paper"):
        Trainer(policy, code, OptimOptions(lr=1e-3)).load_state_dict(trainer.state_dict())


def test_estimator_and_shaping_are_looked_up_by_name(policy: HFPolicy) -> None:
    batch = sampled_batch(policy, [1.0, 0.0], ["g", "g"])
    algorithm = AlgorithmOptions(advantage="gigpo", shaping=["format"],
                                 shaping_options={"format": {"coef": 0.5}})
    trainer = Trainer(policy, algorithm, OptimOptions(lr=1e-3))
    shaped = trainer.assign_credit(batch)
    # 'format' penalised each invalid second turn by 0.5.
    assert [[t.reward for t in traj.turns] for traj in shaped] == [[0.0, -0.5], [0.0, -0.5]]
    assert all(t.advantage is not None for traj in batch for t in traj.turns)
    assert math.isfinite(trainer.update(batch)["loss/policy"])


@pytest.mark.parametrize("level", ["turn", "token"])
def test_gae_builds_a_critic_and_trains_it(policy: HFPolicy, level: str) -> None:
    batch = sampled_batch(policy, [1.0, 0.0], ["g", "g"])
    trainer = Trainer(policy, AlgorithmOptions(advantage="gae", advantage_options={
        "level": level}, critic_options={"lr": 0.05, "fit_epochs": 2}), OptimOptions(lr=1e-3))
    assert trainer.critic is not None and trainer.critic.level == level
    assert trainer.critic.lr == 0.05 and trainer.critic.fit_epochs == 2
    trainer.critic.fit(batch, [[1.0, 1.0], [0.0, 0.0]] if level == "turn" else
                       [[[1.0] * len(t.action_ids) for t in x.turns] for x in batch])
    shaped, view, _ = trainer._credit(batch)  # the critic handed its values to the view
    fresh = TurnBatch.build(shaped)
    if level == "turn":
        assert view.info("value", "t", "").tolist() == fresh.info("value", "t", "").tolist()
    else:
        assert view.token_info("token_values", "t", "").tolist() == fresh.token_info(
            "token_values", "t", "").tolist()
    assert any(view.info("value", "t", "") if level == "turn"
               else view.token_info("token_values", "t", ""))  # the fitted head is not 0
    metrics = trainer.update(batch)
    assert all(math.isfinite(v) for v in metrics.values())
    assert "loss/value" in metrics and "train/explained_variance" in metrics


def test_reinforce_pp_kl_in_reward_scores_the_reference_on_every_token(policy: HFPolicy) -> None:
    batch = sampled_batch(policy, [1.0, 0.0, 1.0], ["g", "g", "g"])
    algorithm = AlgorithmOptions(advantage="reinforce++", advantage_options={"kl_coef": 0.5})
    trainer = Trainer(policy, algorithm, OptimOptions(lr=1e-2, minibatch_size=6,
                                                      micro_batch_size=4))
    assert trainer.reference is not None  # a reference, though the loss has no KL term
    _nudge(trainer.reference.parameters())  # now unlike the policy that sampled the batch
    reference = HFPolicy(trainer.reference, policy.tokenizer, name="reference")
    shaped, view, advantages = trainer._credit(batch)
    fresh = TurnBatch.build(shaped)  # what the trainer handed over = what the turns hold
    np.testing.assert_allclose(view.token_info("token_kl", "test", ""),
                               fresh.token_info("token_kl", "test", ""))
    np.testing.assert_allclose(view.info("kl", "test", ""), fresh.info("kl", "test", ""))
    for trajectory, per_turn in zip(batch, advantages, strict=True):
        for turn, per_token in zip(trajectory.turns, per_turn, strict=True):
            with torch.no_grad():
                ref = reference.score([turn.prompt_ids], [turn.action_ids]).logprobs[0]
            expected = [old - r for old, r in zip(turn.action_logprobs, ref.tolist(), strict=True)]
            assert turn.info["token_kl"] == pytest.approx(expected, abs=1e-5)
            assert turn.info["kl"] == pytest.approx(sum(expected), abs=1e-5)
            assert isinstance(per_token, list) and len(per_token) == len(turn.action_ids)
            assert turn.advantage == pytest.approx(sum(per_token) / len(per_token))
    assert any(len(set(row)) > 1 for per_turn in advantages for row in per_turn)
    before = snapshot(policy)
    metrics = trainer.update(batch)
    assert moved(before, policy) and all(math.isfinite(v) for v in metrics.values())
