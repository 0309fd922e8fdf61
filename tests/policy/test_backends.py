"""Sampling backends by name, and the vLLM options' checks (no engine started here)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from agentrl.core.registry_base import UnknownNameError
from agentrl.policy.backends import backend_problems, list_backends, make_sampler
from agentrl.policy.base import Sampler, SamplingParams
from agentrl.policy.hf import HFPolicy
from agentrl.policy.vllm_backend import VLLMOptions, request_seed, vllm_problems
from agentrl.run.recipe import PolicyOptions, RecipeError, load_recipe


def test_hf_backend_samples_with_the_trained_policy_itself() -> None:
    policy = HFPolicy.from_name("tiny:llama")
    sampler = make_sampler("hf", policy, PolicyOptions())
    assert sampler is policy and isinstance(sampler, Sampler)
    policy.generate_from_ids([[1, 2, 3] * 20], SamplingParams(max_new_tokens=2, seed=0))
    assert policy.prefix_store._kept  # the rows kept for the next turn ...
    sampler.sync_weights(policy.model)
    assert not policy.prefix_store._kept  # ... belong to the weights before the update


def test_backends_are_registered_and_a_wrong_name_lists_them() -> None:
    assert {"hf", "openai", "vllm"} <= set(list_backends())
    with pytest.raises(UnknownNameError, match="registered: hf, openai, vllm"):
        make_sampler("vlm", None, PolicyOptions())  # type: ignore[arg-type]
    with pytest.raises(RecipeError, match=r"policy.backend='vlm'.*registered: hf, openai, vllm"):
        load_recipe({"policy": {"backend": "vlm"}})


def test_gpu_only_vllm_options_are_refused_on_cpu() -> None:
    pytest.importorskip("vllm")
    problems = vllm_problems(VLLMOptions(sleep_mode=True, tensor_parallel_size=2), device="cpu")
    assert any("sleep_mode" in p and "CPU" in p for p in problems)
    assert any("tensor_parallel_size=2" in p for p in problems)
    assert vllm_problems(VLLMOptions(sleep_mode=True, tensor_parallel_size=2),
                         device="cuda") == []
    options = PolicyOptions(backend="vllm", vllm=VLLMOptions(sleep_mode=True))
    assert backend_problems(options) and backend_problems(PolicyOptions()) == []


def test_request_seeds_differ_across_rows_and_neighbouring_calls() -> None:
    seeds = {request_seed(seed, row) for seed in range(50) for row in range(50)}
    assert len(seeds) == 2500
    assert request_seed(7, 3) == request_seed(7, 3)
    assert all(0 <= s < 2**63 for s in seeds)


class RecordingEngine:
    """Stands in for ``vllm.LLM``: records the calls the backend makes (GPU paths on CPU)."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def sleep(self, level: int) -> None:
        self.calls.append(("sleep", level))

    def wake_up(self, tags: list[str] | None = None) -> None:
        self.calls.append(("wake_up", tags))

    def collective_rpc(self, method: str, kwargs: dict) -> None:
        self.calls.append((method, sorted(p.name for p in Path(kwargs["weights_path"]).iterdir())))

    def reset_prefix_cache(self) -> None:
        self.calls.append(("reset_prefix_cache",))


def test_sleep_mode_sleeps_after_rollout_and_wakes_weights_before_the_reload(
    tmp_path: Path,
) -> None:
    from agentrl.policy.vllm_backend import VLLMPolicy

    trained = HFPolicy.from_name("tiny:llama")
    engine = RecordingEngine()
    sampler = VLLMPolicy(engine, trained.tokenizer, trained.eos_ids, tmp_path,
                         VLLMOptions(sleep_mode=True, sleep_level=2), torch.bfloat16)
    sampler.release_memory()
    sampler.release_memory()  # already asleep: once
    sampler.sync_weights(trained.model)
    assert engine.calls == [
        ("reset_prefix_cache",), ("sleep", 2),
        ("wake_up", ["weights"]), ("reload_weights", ["model.safetensors"]), ("wake_up", None),
        ("reset_prefix_cache",),
    ]
    engine.calls.clear()
    sampler.sync_weights(trained.model)  # awake: reload and reset only
    assert engine.calls == [("reload_weights", ["model.safetensors"]), ("reset_prefix_cache",)]
    assert sampler.syncs == 2 and sampler.last_sync_s > 0


def test_without_sleep_mode_release_memory_does_nothing(tmp_path: Path) -> None:
    from agentrl.policy.vllm_backend import VLLMPolicy

    engine = RecordingEngine()
    sampler = VLLMPolicy(engine, None, set(), tmp_path, VLLMOptions(), torch.float32)
    sampler.release_memory()
    assert engine.calls == [] and not sampler.asleep
