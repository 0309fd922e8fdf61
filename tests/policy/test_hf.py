"""The HF policy backend on tiny random models: sampling, scoring, gradients, LoRA."""

from __future__ import annotations

import pytest
import torch

from agentrl.policy.base import SamplingParams
from agentrl.policy.hf import HFPolicy, LoraOptions, left_pad, positions_from_mask

PROMPTS = [[1, 2, 3], [5, 6, 7, 8, 9, 10, 11], [42]]


@pytest.fixture(scope="module")
def llama() -> HFPolicy:
    return HFPolicy.from_name("tiny:llama")


@pytest.fixture(scope="module")
def qwen2() -> HFPolicy:
    return HFPolicy.from_name("tiny:qwen2")


def test_left_pad_and_positions_start_at_zero_on_each_row() -> None:
    ids, mask = left_pad([[7, 8, 9], [4]], pad_id=0)
    assert ids.tolist() == [[7, 8, 9], [0, 0, 4]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1]]
    assert positions_from_mask(mask).tolist() == [[0, 1, 2], [0, 0, 0]]


def test_batched_generate_returns_one_generation_per_prompt(llama: HFPolicy) -> None:
    generations = llama.generate_from_ids(PROMPTS, SamplingParams(max_new_tokens=4, seed=1))
    assert len(generations) == 3
    for prompt, generation in zip(PROMPTS, generations, strict=True):
        assert generation.prompt_ids == prompt
        assert len(generation.token_ids) == 4  # a random model never says EOS here
        assert len(generation.logprobs) == 4
        assert all(lp <= 0.0 for lp in generation.logprobs)
        assert generation.finish_reason == "length"


def test_generate_renders_chat_messages(llama: HFPolicy) -> None:
    messages = [[{"role": "user", "content": "hi"}], [{"role": "user", "content": "go left"}]]
    generations = llama.generate(messages, SamplingParams(max_new_tokens=2, seed=0))
    assert [g.prompt_ids for g in generations] == [llama.render(m) for m in messages]
    assert llama.tokenizer.decode(generations[0].prompt_ids).rstrip().endswith("assistant")


def test_generation_stops_at_eos_and_keeps_it(llama: HFPolicy) -> None:
    seeded = SamplingParams(max_new_tokens=6, seed=2)
    tokens = llama.generate_from_ids([PROMPTS[0]], seeded)[0].token_ids
    # Make the token sampled at the first position where it is new count as end-of-sequence;
    # the same seed samples the same prefix, so generation must stop right after it.
    stop_at = next(i for i in range(1, 6) if tokens[i] not in tokens[:i])
    config = llama.model.generation_config
    saved = config.eos_token_id
    config.eos_token_id = [saved, tokens[stop_at]]
    try:
        generation = llama.generate_from_ids([PROMPTS[0]], seeded)[0]
    finally:
        config.eos_token_id = saved
    assert generation.token_ids == tokens[: stop_at + 1]
    assert generation.token_ids[-1] == tokens[stop_at]
    assert len(generation.logprobs) == stop_at + 1
    assert generation.finish_reason == "stop"


def test_same_seed_same_samples_different_seed_differs(llama: HFPolicy) -> None:
    first = llama.generate_from_ids(PROMPTS, SamplingParams(max_new_tokens=5, seed=3))
    again = llama.generate_from_ids(PROMPTS, SamplingParams(max_new_tokens=5, seed=3))
    other = llama.generate_from_ids(PROMPTS, SamplingParams(max_new_tokens=5, seed=4))
    assert [g.token_ids for g in first] == [g.token_ids for g in again]
    assert [g.logprobs for g in first] == [g.logprobs for g in again]
    assert [g.token_ids for g in first] != [g.token_ids for g in other]


def test_greedy_is_deterministic_without_a_seed(llama: HFPolicy) -> None:
    greedy = SamplingParams(temperature=0.0, max_new_tokens=5)
    torch.manual_seed(11)
    first = llama.generate_from_ids(PROMPTS, greedy)
    torch.manual_seed(12)
    second = llama.generate_from_ids(PROMPTS, greedy)
    assert [g.token_ids for g in first] == [g.token_ids for g in second]


@pytest.mark.parametrize("arch", ["llama", "qwen2"])
@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_trainer_logprobs_match_rollout_logprobs(
    arch: str, temperature: float, request: pytest.FixtureRequest
) -> None:
    policy: HFPolicy = request.getfixturevalue(arch)
    sampling = SamplingParams(temperature=temperature, max_new_tokens=6, seed=5)
    generations = policy.generate_from_ids(PROMPTS, sampling)
    # Cut the rows to different lengths so the action padding is exercised too.
    actions = [g.token_ids[: 6 - row] for row, g in enumerate(generations)]
    with torch.no_grad():
        scores = policy.score(PROMPTS, actions, temperature=temperature)
    for row, (generation, action) in enumerate(zip(generations, actions, strict=True)):
        width = scores.logprobs.shape[1]
        got = scores.logprobs[row, width - len(action) :]
        expected = torch.tensor(generation.logprobs[: len(action)])
        torch.testing.assert_close(got, expected, atol=1e-4, rtol=0)


def test_score_mask_marks_actions_left_aligned_to_the_end(llama: HFPolicy) -> None:
    scores = llama.score([[1, 2], [3, 4, 5, 6]], [[7, 8, 9], [10]])
    assert scores.logprobs.shape == (2, 3)
    assert scores.entropies.shape == (2, 3)
    assert scores.mask.tolist() == [[1.0, 1.0, 1.0], [0.0, 0.0, 1.0]]
    # Entropy of a distribution over the vocabulary: between 0 and log |V|.
    assert (scores.entropies >= 0).all()
    assert (scores.entropies <= torch.log(torch.tensor(float(len(llama.tokenizer))))).all()


def test_score_of_a_row_does_not_depend_on_its_batch_mates(llama: HFPolicy) -> None:
    with torch.no_grad():
        alone = llama.score([[1, 2]], [[7, 8]]).logprobs
        batched = llama.score([[1, 2], [3, 4, 5, 6, 7, 8]], [[7, 8], [9, 10, 11]]).logprobs
    torch.testing.assert_close(batched[0, 1:], alone[0], atol=1e-5, rtol=0)


def test_gradients_flow_into_every_trained_weight(llama: HFPolicy) -> None:
    llama.model.zero_grad(set_to_none=True)
    scores = llama.score([[1, 2, 3]], [[4, 5]])
    (scores.logprobs * scores.mask).sum().backward()
    grads = [p.grad for p in llama.trainable_parameters()]
    assert all(g is not None for g in grads)
    assert sum(float(g.abs().sum()) for g in grads) > 0
    llama.model.zero_grad(set_to_none=True)


def test_lora_trains_only_adapter_parameters() -> None:
    policy = HFPolicy.from_name("tiny:llama", lora=LoraOptions(r=4, alpha=8))
    names = [n for n, p in policy.model.named_parameters() if p.requires_grad]
    assert names and all("lora_" in n for n in names)
    frozen = [n for n, p in policy.model.named_parameters() if not p.requires_grad]
    assert any("embed_tokens" in n for n in frozen)
    scores = policy.score([[1, 2, 3]], [[4, 5]])
    scores.logprobs.sum().backward()
    assert all(p.grad is not None for p in policy.trainable_parameters())
