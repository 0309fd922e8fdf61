"""The vLLM backend against the hf backend on one tiny model: same prompts, same greedy
tokens before and after a weight sync, the trainer's log-probs of vLLM's samples, LoRA
merged into the engine, and the mismatch metric catching a skipped sync.

One engine for the whole module (it starts in ~1 min on 2 CPU cores). Every test first
syncs the engine with the module's trained policy, so the tests do not depend on order.
"""

from __future__ import annotations

import copy
import os

import pytest
import torch

from agentrl.core.types import Observation, Task, Trajectory, Turn
from agentrl.policy.base import Sampler, SamplingParams
from agentrl.policy.hf import HFPolicy, LoraOptions
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer

pytest.importorskip("vllm")
pytestmark = pytest.mark.slow

from agentrl.policy.vllm_backend import VLLMPolicy  # noqa: E402

PROMPTS = [[1, 2, 3], [5, 6, 7, 8, 9, 10, 11], [42] * 40]
GREEDY = SamplingParams(temperature=0.0, max_new_tokens=8)
# Measured here: |Δ log-prob| ≤ 1e-6 (float32 on both sides); the bound leaves room.
LOGPROB_TOLERANCE = 1e-4
ENVIRONMENT = dict(os.environ)  # before any engine started


@pytest.fixture(scope="module")
def trained() -> HFPolicy:
    torch.set_num_threads(1)
    return HFPolicy.from_name("tiny:llama-hd64")


@pytest.fixture(scope="module")
def engine(trained: HFPolicy) -> VLLMPolicy:
    engine = VLLMPolicy.from_trained(trained, seed=0)
    yield engine
    engine.close()


@pytest.fixture()
def synced(trained: HFPolicy, engine: VLLMPolicy) -> VLLMPolicy:
    engine.sync_weights(trained.model)
    return engine


def perturb(model: torch.nn.Module, seed: int, scale: float = 0.05) -> None:
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.add_(torch.randn(parameter.shape, generator=generator) * scale)


def tokens(generations: list) -> list[list[int]]:
    return [g.token_ids for g in generations]


def test_engine_is_a_sampler_with_the_hf_chat_template(trained: HFPolicy,
                                                       engine: VLLMPolicy) -> None:
    assert isinstance(engine, Sampler)
    messages = [{"role": "system", "content": "You are in a room."},
                {"role": "user", "content": "go north"}]
    assert engine.render(messages) == trained.render(messages)
    assert engine.eos_ids == trained.eos_ids


def test_starting_an_engine_leaves_this_process_environment_as_it_was(
    engine: VLLMPolicy,
) -> None:
    # vLLM's CPU build sets LD_PRELOAD etc. for its own processes; subprocesses agentrl
    # starts later (sandboxes, env workers) must not inherit them
    for key in ("LD_PRELOAD", "OMP_NUM_THREADS", "VLLM_CPU_KVCACHE_SPACE"):
        assert os.environ.get(key) == ENVIRONMENT.get(key), key


def test_greedy_tokens_equal_hf_before_and_after_a_weight_sync(
    trained: HFPolicy, synced: VLLMPolicy
) -> None:
    assert tokens(synced.generate_from_ids(PROMPTS, GREEDY)) == \
        tokens(trained.generate_from_ids(PROMPTS, GREEDY))
    before = tokens(trained.generate_from_ids(PROMPTS, GREEDY))
    perturb(trained.model, seed=1)
    after = tokens(trained.generate_from_ids(PROMPTS, GREEDY))
    assert after != before  # the perturbation changes what hf says ...
    assert tokens(synced.generate_from_ids(PROMPTS, GREEDY)) == before  # ... stale engine
    synced.sync_weights(trained.model)
    assert tokens(synced.generate_from_ids(PROMPTS, GREEDY)) == after
    assert synced.last_sync_s > 0


@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_sampled_logprobs_equal_the_trainers_scores(
    trained: HFPolicy, synced: VLLMPolicy, temperature: float
) -> None:
    sampling = SamplingParams(temperature=temperature, max_new_tokens=6, seed=5)
    generations = synced.generate_from_ids(PROMPTS, sampling)
    with torch.no_grad():
        scores = trained.score(PROMPTS, tokens(generations), temperature=temperature)
    width = scores.logprobs.shape[1]
    for row, generation in enumerate(generations):
        assert len(generation.token_ids) == len(generation.logprobs) > 0
        got = scores.logprobs[row, width - len(generation.token_ids):]
        torch.testing.assert_close(got, torch.tensor(generation.logprobs),
                                   atol=LOGPROB_TOLERANCE, rtol=0)


def test_same_seed_same_samples_other_seed_differs(synced: VLLMPolicy) -> None:
    first = synced.generate_from_ids(PROMPTS, SamplingParams(max_new_tokens=5, seed=3))
    again = synced.generate_from_ids(PROMPTS, SamplingParams(max_new_tokens=5, seed=3))
    other = synced.generate_from_ids(PROMPTS, SamplingParams(max_new_tokens=5, seed=4))
    assert tokens(first) == tokens(again)
    assert tokens(first) != tokens(other)


def test_chat_generate_returns_generations_like_hf(synced: VLLMPolicy) -> None:
    messages = [[{"role": "user", "content": "hi"}], [{"role": "user", "content": "go left"}]]
    generations = synced.generate(messages, SamplingParams(max_new_tokens=3, seed=0))
    assert [g.prompt_ids for g in generations] == [synced.render(m) for m in messages]
    assert all(g.finish_reason == "length" and len(g.token_ids) == 3 for g in generations)
    assert all(isinstance(g.text, str) for g in generations)


def test_lora_weights_reach_the_engine_merged(trained: HFPolicy, engine: VLLMPolicy) -> None:
    from peft import LoraConfig, get_peft_model

    options = LoraOptions(r=4, alpha=8)
    config = LoraConfig(r=options.r, lora_alpha=options.alpha, target_modules="all-linear",
                        task_type="CAUSAL_LM")
    lora = HFPolicy(get_peft_model(copy.deepcopy(trained.model), config), trained.tokenizer)
    generator = torch.Generator().manual_seed(2)
    with torch.no_grad():  # B starts at zero (adapter = identity): make it matter
        for name, parameter in lora.model.named_parameters():
            if "lora_B" in name:
                parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.5)
    expected = tokens(lora.generate_from_ids(PROMPTS, GREEDY))
    assert expected != tokens(trained.generate_from_ids(PROMPTS, GREEDY))
    engine.sync_weights(lora.model)
    assert tokens(engine.generate_from_ids(PROMPTS, GREEDY)) == expected
    assert any("lora_B" in n for n, _ in lora.model.named_parameters())  # unmerged again


def batch_from(sampler: VLLMPolicy, rewards: list[float], seed: int) -> list[Trajectory]:
    prompts = [[1, 30 + i, 40] for i in range(len(rewards))]
    generations = sampler.generate_from_ids(prompts, SamplingParams(max_new_tokens=4,
                                                                    seed=seed))
    return [
        Trajectory(task=Task(id="t", env_id="toy/corridor"), group_id="g",
                   outcome_reward=reward, success=reward > 0,
                   turns=[Turn(observation=Observation(text="o", state_key="s"),
                               prompt_ids=g.prompt_ids, action_ids=g.token_ids,
                               action_logprobs=g.logprobs, action="a", state_key="s")])
        for reward, g in zip(rewards, generations, strict=True)
    ]


def test_mismatch_metric_is_zero_when_synced_and_grows_when_a_sync_is_skipped(
    trained: HFPolicy, synced: VLLMPolicy
) -> None:
    policy = HFPolicy(copy.deepcopy(trained.model), trained.tokenizer)
    trainer = Trainer(policy, AlgorithmOptions(), OptimOptions(lr=3e-2, minibatch_size=8))
    rewards = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0]
    synced_metrics = trainer.update(batch_from(synced, rewards, seed=1))
    assert synced_metrics["train/rollout_logprob_diff_max"] < LOGPROB_TOLERANCE
    # the update moved the trained weights; skip the sync on purpose: the engine is stale
    stale_metrics = trainer.update(batch_from(synced, rewards, seed=2))
    assert stale_metrics["train/rollout_logprob_diff_mean"] > 100 * max(
        synced_metrics["train/rollout_logprob_diff_mean"], 1e-7)
    assert stale_metrics["train/rollout_logprob_diff_max"] > 1e-3
    synced.sync_weights(policy.model)
    again = trainer.update(batch_from(synced, rewards, seed=3))
    assert again["train/rollout_logprob_diff_max"] < LOGPROB_TOLERANCE


def test_token_tis_on_a_stale_engine_logs_its_weights(trained: HFPolicy,
                                                      synced: VLLMPolicy) -> None:
    policy = HFPolicy(copy.deepcopy(trained.model), trained.tokenizer)
    perturb(policy.model, seed=7, scale=0.02)  # the engine keeps the old weights
    trainer = Trainer(policy, AlgorithmOptions(rollout_correction="token_tis"),
                      OptimOptions(lr=1e-3, minibatch_size=8))
    metrics = trainer.update(batch_from(synced, [1.0, 0.0, 1.0, 0.0], seed=4))
    assert metrics["train/rollout_logprob_diff_mean"] > 1e-3
    assert 0.0 < metrics["train/tis_weight"] <= 2.0
    assert 0.0 <= metrics["train/tis_clipfrac"] <= 1.0
