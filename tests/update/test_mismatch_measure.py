"""The rollout / trainer mismatch is read from the first optimizer step's forward pass when
that pass gives π_old's log-probs (no extra scoring pass), and is the same figure the
separate pass gives; with dropout or a decoupled correction the separate pass runs."""

from __future__ import annotations

from typing import Any

import pytest
import torch

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.policy.hf import HFPolicy, LoraOptions
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

PROMPTS = [list(range(5, 45)), list(range(7, 37)), list(range(300, 350)), list(range(9, 60))]
ACTIONS = [[11, 12, 13, 14], [21, 22], [31, 32, 33], [41]]


def batch_of(policy: HFPolicy) -> list[Trajectory]:
    """Four turns whose rollout log-probs are the policy's own (as a rollout would give),
    shifted by a known 0.01 per token."""
    policy.model.eval()
    with torch.no_grad():
        scores = policy.score(PROMPTS, ACTIONS)
    width = scores.logprobs.shape[1]
    task = Task(id="t", env_id="toy", split="train")
    return [
        Trajectory(task=task, group_id="g", outcome_reward=float(row % 2), turns=[
            Turn(observation=Observation(text="o", state_key="s"), prompt_ids=prompt,
                 action_ids=action,
                 action_logprobs=[v + 0.01 for v in scores.logprobs[row, width - len(action):]
                                  .tolist()])])
        for row, (prompt, action) in enumerate(zip(PROMPTS, ACTIONS, strict=True))
    ]


def update_counting_scores(lora: LoraOptions | None, own_pass: bool | None,
                           **algorithm: Any) -> tuple[dict[str, float], int]:
    """One update's metrics and the number of `score` calls it made (micro-batches of 2)."""
    torch.manual_seed(0)
    policy = HFPolicy.from_name("tiny:llama", lora=lora)
    batch = batch_of(policy)
    trainer = Trainer(policy, AlgorithmOptions(**algorithm),
                      OptimOptions(lr=1e-3, minibatch_size=4, micro_batch_size=2))
    if own_pass is not None:
        trainer._mismatch_needs_own_pass = lambda: own_pass  # type: ignore[method-assign]
    calls = 0
    score = policy.score

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return score(*args, **kwargs)

    policy.score = counting  # type: ignore[method-assign]
    return trainer.update(batch), calls


def test_the_first_step_gives_the_separate_pass_figure_without_its_forward_passes() -> None:
    from_step, step_calls = update_counting_scores(None, None)
    from_pass, pass_calls = update_counting_scores(None, True)
    assert step_calls == 2 and pass_calls == 4  # 2 micro-batches; the pass adds 2 more
    for key in ("train/rollout_logprob_diff_mean", "train/rollout_logprob_diff_max"):
        assert from_step[key] == pytest.approx(0.01, abs=1e-5)
        assert from_step[key] == pytest.approx(from_pass[key], abs=1e-6)


def test_dropout_or_a_decoupled_correction_keeps_the_separate_pass() -> None:
    _, with_dropout = update_counting_scores(LoraOptions(r=4, dropout=0.1), None)
    _, corrected = update_counting_scores(None, None, rollout_correction="token_tis")
    _, plain_lora = update_counting_scores(LoraOptions(r=4), None)
    assert with_dropout == corrected == 4 and plain_lora == 2


def test_a_minibatch_smaller_than_the_batch_measures_its_own_turns() -> None:
    torch.manual_seed(0)
    policy = HFPolicy.from_name("tiny:llama")
    trainer = Trainer(policy, AlgorithmOptions(),
                      OptimOptions(lr=1e-3, minibatch_size=2, micro_batch_size=2))
    metrics = trainer.update(batch_of(policy))
    assert metrics["train/rollout_logprob_diff_mean"] == pytest.approx(0.01, abs=1e-5)
