"""Decoding: shared-prefix prefill and the inverse-CDF sampler, checked against plain math."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import DynamicCache

from agentrl.policy import decoding, kv_cache
from agentrl.policy.base import SamplingParams
from agentrl.policy.decoding import shared_prefix_length
from agentrl.policy.hf import HFPolicy
from agentrl.policy.sampling import inverse_cdf_draw, sample_next

PREFIX = list(range(10, 30))  # 20 tokens: above MIN_SHARED_PREFIX
SHARED = [PREFIX + [31, 32, 33], PREFIX + [40], PREFIX + [50, 51, 52, 53, 54]]


@pytest.fixture(scope="module")
def llama() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


def assert_scores_match(
    policy: HFPolicy, prompts: list[list[int]], generations: list, temperature: float = 1.0
) -> None:
    """The trainer's log-probs of each sampled reply equal the ones recorded at sampling."""
    with torch.no_grad():
        scores = policy.score(prompts, [g.token_ids for g in generations], temperature=temperature)
    width = scores.logprobs.shape[1]
    for row, generation in enumerate(generations):
        got = scores.logprobs[row, width - len(generation.token_ids) :]
        torch.testing.assert_close(got, torch.tensor(generation.logprobs), atol=1e-4, rtol=0)


def test_shared_prefix_length_leaves_every_row_one_token() -> None:
    assert shared_prefix_length([[1, 2, 3, 4], [1, 2, 9], [1, 2, 3]]) == 2
    assert shared_prefix_length([[1, 2, 3], [1, 2, 3]]) == 2  # identical: last token is own
    assert shared_prefix_length([[5, 1], [6, 1]]) == 0
    assert shared_prefix_length([[7]]) == 0


def test_inverse_cdf_draw_never_picks_zero_weight_entries() -> None:
    weights = torch.zeros(4, 1000)
    weights[:, 3] = 1.0
    weights[:, 700] = 3.0
    weights[:, 999] = 0.5  # in the last, partial block
    generator = torch.Generator().manual_seed(0)
    seen = {int(i) for _ in range(200) for i in inverse_cdf_draw(weights, generator, block=64)}
    assert seen == {3, 700, 999}


def test_inverse_cdf_draw_frequencies_match_the_weights() -> None:
    # p = (0.1, 0.2, 0.3, 0.4) spread over two blocks of 2: counts over 40,000 draws must
    # lie within 5 standard deviations of 40,000 p.
    weights = torch.tensor([[1.0, 2.0, 3.0, 4.0]]).repeat(8000, 1)
    draws = torch.cat(
        [inverse_cdf_draw(weights, torch.Generator().manual_seed(s), block=2) for s in range(5)]
    )
    counts = torch.bincount(draws, minlength=4).tolist()
    for count, p in zip(counts, (0.1, 0.2, 0.3, 0.4), strict=True):
        assert abs(count - 40_000 * p) < 5 * math.sqrt(40_000 * p * (1 - p))


def test_sample_next_logprobs_are_of_the_untruncated_tempered_distribution() -> None:
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    sampling = SamplingParams(temperature=0.5, top_k=2)
    tokens, logprobs = sample_next(logits, sampling, torch.Generator().manual_seed(1))
    # At T = 0.5 the probabilities are p^2 / sum(p^2); top-k only limits the draw.
    squares = torch.tensor([0.25, 0.09, 0.0225, 0.0025])
    expected = torch.log(squares / squares.sum())[tokens]
    torch.testing.assert_close(logprobs, expected)


@pytest.mark.parametrize(
    ("top_p", "kept"), [(0.5, {0}), (0.7, {0, 1}), (0.79, {0, 1}), (0.81, {0, 1, 2})]
)
def test_top_p_keeps_the_smallest_set_reaching_the_mass(top_p: float, kept: set[int]) -> None:
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]])).repeat(500, 1)
    tokens, _ = sample_next(logits, SamplingParams(top_p=top_p), torch.Generator().manual_seed(0))
    assert set(tokens.tolist()) == kept


def test_top_k_draws_only_the_k_most_likely() -> None:
    logits = torch.tensor([[0.1, 3.0, 2.0, 0.0, 1.0]]).repeat(500, 1)
    tokens, _ = sample_next(logits, SamplingParams(top_k=2), torch.Generator().manual_seed(0))
    assert set(tokens.tolist()) == {1, 2}


def test_greedy_takes_the_argmax_with_its_log_prob() -> None:
    logits = torch.tensor([[0.0, 2.0, 1.0]])
    tokens, logprobs = sample_next(logits, SamplingParams(temperature=0.0), None)
    assert tokens.tolist() == [1]
    torch.testing.assert_close(logprobs, torch.log_softmax(logits, -1)[:, 1])


def test_shared_prefix_decoding_equals_decoding_each_row_alone(llama: HFPolicy) -> None:
    greedy = SamplingParams(temperature=0.0, max_new_tokens=5)
    together = llama.generate_from_ids(SHARED, greedy)
    alone = [llama.generate_from_ids([prompt], greedy)[0] for prompt in SHARED]
    assert [g.token_ids for g in together] == [g.token_ids for g in alone]
    for batched, single in zip(together, alone, strict=True):
        torch.testing.assert_close(
            torch.tensor(batched.logprobs), torch.tensor(single.logprobs), atol=1e-4, rtol=0
        )


def test_shared_prefix_path_is_taken_and_off_switch_gives_same_tokens(
    llama: HFPolicy, monkeypatch: pytest.MonkeyPatch, forward_shapes
) -> None:
    llama.prefix_store.clear()
    shapes = forward_shapes(llama)
    greedy = SamplingParams(temperature=0.0, max_new_tokens=3)
    shared = llama.generate_from_ids(SHARED, greedy)
    # the prefix once, then the longest own suffix
    assert [length for _, length in shapes[:2]] == [len(PREFIX), 5]
    monkeypatch.setattr(decoding, "MIN_SHARED_PREFIX", 10_000)
    llama.prefix_store.clear()
    shapes.clear()
    unshared = llama.generate_from_ids(SHARED, greedy)
    assert shapes[0][1] == len(PREFIX) + 5
    assert [g.token_ids for g in shared] == [g.token_ids for g in unshared]


def test_trainer_logprobs_match_shared_prefix_rollout(llama: HFPolicy) -> None:
    sampling = SamplingParams(temperature=0.8, max_new_tokens=6, seed=9)
    generations = llama.generate_from_ids(SHARED, sampling)
    assert_scores_match(llama, SHARED, generations, temperature=0.8)


def test_identical_prompts_are_prefilled_once_and_sampled_independently(
    llama: HFPolicy, forward_shapes
) -> None:
    llama.prefix_store.clear()
    batches = forward_shapes(llama)
    group = [SHARED[0]] * 4 + [SHARED[2]] * 4  # two tasks, a group of 4 each
    generations = llama.generate_from_ids(group, SamplingParams(max_new_tokens=6, seed=3))
    assert batches[:2] == [(1, len(PREFIX)), (2, 5)]  # shared prefix, then 2 distinct rows
    assert all(shape[0] == 8 for shape in batches[2:])  # decoding runs all 8 rollouts
    assert len({tuple(g.token_ids) for g in generations[:4]}) > 1  # independent samples
    assert_scores_match(llama, group, generations)


def test_reserved_cache_layers_match_transformers_own(
    llama: HFPolicy, monkeypatch: pytest.MonkeyPatch
) -> None:
    greedy = SamplingParams(temperature=0.0, max_new_tokens=7)
    monkeypatch.setattr(kv_cache.ReservedLayer, "headroom", 2)  # regrow several times
    reserved = llama.generate_from_ids(SHARED, greedy)
    monkeypatch.setattr(decoding, "new_cache", lambda model: DynamicCache())
    plain = llama.generate_from_ids(SHARED, greedy)
    assert [g.token_ids for g in reserved] == [g.token_ids for g in plain]
    for ours, theirs in zip(reserved, plain, strict=True):
        torch.testing.assert_close(
            torch.tensor(ours.logprobs), torch.tensor(theirs.logprobs), atol=1e-5, rtol=0
        )


def test_sliding_window_models_keep_transformers_cache_layers() -> None:
    from transformers import MistralConfig, MistralForCausalLM

    config = MistralConfig(vocab_size=64, hidden_size=16, intermediate_size=32,
                           num_hidden_layers=2, num_attention_heads=2, num_key_value_heads=1,
                           sliding_window=4)
    cache = kv_cache.new_cache(MistralForCausalLM(config))
    assert cache.layers and not any(
        isinstance(layer, kv_cache.ReservedLayer) for layer in cache.layers
    )
    dense = kv_cache.new_cache(MistralForCausalLM(config.__class__(**{
        **config.to_dict(), "sliding_window": None})))
    assert all(isinstance(layer, kv_cache.ReservedLayer) for layer in dense.layers)
