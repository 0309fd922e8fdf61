"""Keys / values kept between generate calls: a prompt that extends the last call's prompt
and reply prefills only its new tokens, and samples exactly what a fresh prefill would."""

from __future__ import annotations

import pytest
import torch

from agentrl.policy import decoding
from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy

PREFIX = list(range(10, 30))
FIRST_TURN = [PREFIX + list(range(100 + 60 * i, 150 + 60 * i)) for i in range(3)]
NEW_TOKENS = [list(range(400 + 11 * i, 410 + 11 * i)) for i in range(3)]  # 10 per row
GREEDY = SamplingParams(temperature=0.0, max_new_tokens=6)


@pytest.fixture()
def policy() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


def second_turn(policy: HFPolicy) -> list[list[int]]:
    """First-turn prompts + their greedy replies + new tokens (a full-history next turn)."""
    replies = policy.generate_from_ids(FIRST_TURN, GREEDY)
    return [p + g.token_ids + n for p, g, n in zip(FIRST_TURN, replies, NEW_TOKENS, strict=True)]


def assert_same_generations(got: list, expected: list) -> None:
    assert [g.token_ids for g in got] == [g.token_ids for g in expected]
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(torch.tensor(a.logprobs), torch.tensor(b.logprobs),
                                   atol=1e-4, rtol=0)


def test_a_prompt_extending_the_last_call_prefills_only_its_new_tokens(
    policy: HFPolicy, forward_shapes
) -> None:
    prompts = second_turn(policy)
    replies_end_early = any(len(p) != len(FIRST_TURN[0]) + 6 + 10 for p in prompts)
    shapes = forward_shapes(policy)
    reused = policy.generate_from_ids(prompts, GREEDY)
    # The reply's last token was never fed back: it and the 10 new tokens are prefilled.
    assert shapes[0] == (3, 11) or replies_end_early
    assert shapes[0][1] <= 11
    policy.prefix_store.clear()
    shapes.clear()
    fresh = policy.generate_from_ids(prompts, GREEDY)
    assert shapes[0] == (1, len(PREFIX))  # no kept rows: the shared-prefix path
    assert_same_generations(reused, fresh)


def test_sampled_replies_on_reused_caches_score_the_same_in_the_trainer(
    policy: HFPolicy,
) -> None:
    prompts = second_turn(policy)
    sampled = policy.generate_from_ids(prompts, SamplingParams(temperature=0.9,
                                                               max_new_tokens=5, seed=2))
    with torch.no_grad():
        scores = policy.score(prompts, [g.token_ids for g in sampled], temperature=0.9)
    width = scores.logprobs.shape[1]
    for row, generation in enumerate(sampled):
        got = scores.logprobs[row, width - len(generation.token_ids) :]
        torch.testing.assert_close(got, torch.tensor(generation.logprobs), atol=1e-4, rtol=0)


def test_changed_weights_empty_the_store(policy: HFPolicy, forward_shapes) -> None:
    prompts = second_turn(policy)
    with torch.no_grad():
        next(policy.model.parameters()).mul_(1.0)  # an in-place change, values unchanged
    shapes = forward_shapes(policy)
    policy.generate_from_ids(prompts, GREEDY)
    assert shapes[0] == (1, len(PREFIX))  # prefilled from scratch
    assert len(policy.prefix_store.take(policy.model)) == 1  # this call's rows were kept


def test_a_row_that_ended_early_keeps_only_its_tokens_up_to_the_end(
    policy: HFPolicy, forward_shapes
) -> None:
    model, pad = policy.model.eval(), policy.tokenizer.pad_token_id
    sampled = SamplingParams(temperature=1.0, max_new_tokens=6)

    def sample(prompts, eos, kept=()):  # noqa: ANN001, ANN202 - the same draws every call
        generator = torch.Generator().manual_seed(5)
        return decoding.decode(model, prompts, sampled, pad_id=pad, eos_ids=eos,
                               generator=generator, kept=kept)

    tokens, _, _ = sample(FIRST_TURN, set())
    stop = int(tokens[0, 1])  # row 0's second token ends it
    assert stop not in tokens[:, 0].tolist() and stop not in tokens[1:].flatten().tolist()
    tokens, _, kept = sample(FIRST_TURN, {stop})
    assert kept is not None
    assert kept.tokens[0] == FIRST_TURN[0] + tokens[0, :2].tolist()  # no padding after it
    assert tokens[0, 2:].tolist() == [pad] * 4
    for row in (1, 2):  # never ended: all but the last drawn token were fed back
        assert kept.tokens[row] == FIRST_TURN[row] + tokens[row, :5].tolist()
    follow_up = [t + NEW_TOKENS[0] for t in kept.tokens]
    shapes = forward_shapes(policy)
    reused, reused_logprobs, _ = sample(follow_up, {stop}, kept=[kept])
    assert shapes[0] == (3, len(NEW_TOKENS[0]))  # only the new tokens are prefilled
    fresh, fresh_logprobs, _ = sample(follow_up, {stop})
    assert reused.tolist() == fresh.tolist()
    torch.testing.assert_close(reused_logprobs, fresh_logprobs, atol=1e-4, rtol=0)
