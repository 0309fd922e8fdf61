"""The policy's option models (the recipe's ``policy.lora``, ``policy.vllm`` and
``policy.openai`` sections) and the default model name: torch-free, so the recipe schema
loads without the backends."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFAULT_MODEL = "embedded:smollm2-135m"


class LoraOptions(BaseModel):
    """LoRA adapter settings (peft)."""

    model_config = ConfigDict(extra="forbid")

    r: int = Field(default=16, ge=1, description="Adapter rank.")
    alpha: int = Field(default=32, ge=1, description="Scaling numerator (alpha / r).")
    dropout: float = Field(default=0.0, ge=0.0, lt=1.0, description="Dropout on adapter input.")
    target_modules: str | list[str] = Field(
        default="all-linear", description="Modules to adapt, or 'all-linear'."
    )


class VLLMOptions(BaseModel):
    """The ``policy.vllm`` section: how the vLLM engine is built (``policy.backend: vllm``)."""

    model_config = ConfigDict(extra="forbid")

    gpu_memory_utilization: float = Field(
        default=0.5, gt=0, le=1,
        description="Share of each GPU's memory the engine may take (weights + KV cache). "
        "Colocated with the trainer on one GPU: TRL uses 0.3, verl 0.5, SkyRL 0.8. "
        "Ignored on CPU (see kv_cache_gib).",
    )
    tensor_parallel_size: int = Field(
        default=1, ge=1, description="GPUs one engine shards the model over (1 on CPU)."
    )
    sleep_mode: bool = Field(
        default=False,
        description="GPU only: put the engine to sleep between rollout and update (frees "
        "its KV cache, and weights at sleep_level 2) and wake it for the weight sync. "
        "Not supported by vLLM's CPU build (refused there).",
    )
    sleep_level: Literal[1, 2] = Field(
        default=1,
        description="1: weights offloaded to CPU memory, KV cache dropped; 2: both dropped "
        "(the sync after every update reloads the weights).",
    )
    kv_cache_gib: int = Field(
        default=1, ge=1,
        description="CPU build: GiB of RAM for the KV cache (VLLM_CPU_KVCACHE_SPACE; vLLM's "
        "default takes half the machine's memory).",
    )
    max_model_len: int | None = Field(
        default=4096, ge=16,
        description="Longest prompt + reply in tokens the engine accepts; None: the model's.",
    )
    enforce_eager: bool | None = Field(
        default=None,
        description="Run without CUDA graphs / compilation. None: eager on CPU (compiling "
        "there costs minutes), graphs on GPU.",
    )
    prefix_caching: bool = Field(
        default=True,
        description="Reuse the KV cache of shared prompt prefixes (multi-turn histories, "
        "the G rollouts of a group); reset after every weight sync.",
    )
    max_num_seqs: int = Field(default=64, ge=1, description="Requests the engine runs at once.")
    sync_dir: str | None = Field(
        default=None,
        description="Where the engine's model folder (and the weights of every sync) is "
        "written; default: a new temporary folder. /dev/shm keeps a large model's "
        "safetensors in RAM, where it is big enough.",
    )


class OpenAIOptions(BaseModel):
    """The ``policy.openai`` section: which endpoint and model, timeouts and retries."""

    model_config = ConfigDict(extra="forbid")

    base_url: str = Field(default="http://127.0.0.1:8000/v1",
                          description="The endpoint's base URL, ending in /v1.")
    api_key_env: str = Field(
        default="OPENAI_API_KEY",
        description="Environment variable holding the API key (the key itself never goes in "
        "a recipe); 'EMPTY' is sent when it is unset, as local servers expect.",
    )
    model: str | None = Field(
        default=None, description="Model name the endpoint serves; policy.model when unset."
    )
    timeout_s: float = Field(default=60.0, gt=0, description="Per request limit.")
    max_retries: int = Field(default=3, ge=0, description="Retries of a failed request.")
    backoff_s: float = Field(default=1.0, ge=0, description="First retry's wait; doubles.")
    concurrency: int = Field(default=8, ge=1, description="Requests in flight at once.")
