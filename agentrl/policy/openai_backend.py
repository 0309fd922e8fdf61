"""``policy.backend: openai``: any OpenAI-compatible chat endpoint (a vLLM server, a hosted
model) as the policy of ``agentrl eval`` and ``agentrl play`` — baselines such as the
papers' prompted-GPT-4o rows. It samples text only: no token ids, no log-probs, no weights
to sync, so it cannot be trained (preflight refuses a training recipe with it).

Each conversation of a batch is one chat-completions request, sent ``concurrency`` at a
time. A request that times out, cannot connect, is rate-limited or gets a 5xx is retried
with exponential backoff (``backoff_s · 2^attempt``, ``max_retries`` times); one that still
fails — or gets a 4xx — becomes a `Generation` with ``error`` set, which errors that
episode only (the rollout runner marks it), never the batch.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from agentrl.policy.base import Generation, Messages, SamplingParams
from agentrl.policy.options import OpenAIOptions


def _retryable(error: Exception) -> bool:
    import openai

    if isinstance(error, (openai.APIConnectionError, openai.RateLimitError)):
        return True  # APITimeoutError is an APIConnectionError
    return isinstance(error, openai.APIStatusError) and error.status_code >= 500


def tool_calls_as_text(message: Any) -> str:
    """The reply's text, with structured tool calls written as ``<tool_call>`` JSON (the
    format agentrl's action parser reads)."""
    text = message.content or ""
    for call in message.tool_calls or []:
        try:
            arguments = json.loads(call.function.arguments or "{}")
        except json.JSONDecodeError:
            arguments = call.function.arguments
        payload = json.dumps({"name": call.function.name, "arguments": arguments})
        text += f"<tool_call>\n{payload}\n</tool_call>"
    return text


class OpenAIPolicy:
    """A `Sampler` over an OpenAI-compatible chat endpoint (text in, text out)."""

    def __init__(self, options: OpenAIOptions, model: str) -> None:
        import openai

        self.options = options
        self.model = options.model or model
        self.client = openai.OpenAI(
            base_url=options.base_url, api_key=os.environ.get(options.api_key_env, "EMPTY"),
            timeout=options.timeout_s, max_retries=0,  # retries are ours: logged, backed off
        )
        self._pool = ThreadPoolExecutor(options.concurrency)

    def generate(
        self,
        batch: list[Messages],
        sampling: SamplingParams,
        *,
        tools: list[list[dict[str, Any]] | None] | None = None,
    ) -> list[Generation]:
        """One request per conversation; a request that fails gives a `Generation` with
        ``error`` set (its episode errors), the others go on."""
        tools = tools or [None] * len(batch)
        seeds = [None if sampling.seed is None else sampling.seed + row
                 for row in range(len(batch))]
        return list(self._pool.map(
            lambda args: self._one(*args, sampling), zip(batch, tools, seeds, strict=True)
        ))

    def _one(self, messages: Messages, tools: list[dict[str, Any]] | None, seed: int | None,
             sampling: SamplingParams) -> Generation:
        request: dict[str, Any] = {
            "model": self.model, "messages": messages, "max_tokens": sampling.max_new_tokens,
            "temperature": sampling.temperature, "top_p": sampling.top_p,
        }
        if seed is not None:
            request["seed"] = seed
        if sampling.top_k:
            request["extra_body"] = {"top_k": sampling.top_k}
        if tools:
            request["tools"] = [{"type": "function", "function": t.get("function", t)}
                                for t in tools]
        for attempt in range(self.options.max_retries + 1):
            try:
                choice = self.client.chat.completions.create(**request).choices[0]
            except Exception as error:  # noqa: BLE001 - a failed call errors its episode only
                if attempt < self.options.max_retries and _retryable(error):
                    time.sleep(self.options.backoff_s * 2**attempt)
                    continue
                return Generation(
                    text="", prompt_ids=[], token_ids=[], logprobs=[], finish_reason="error",
                    error=f"openai endpoint {self.options.base_url} (model {self.model!r}) "
                    f"failed after {attempt + 1} attempt(s): {type(error).__name__}: {error}",
                )
            finish = "length" if choice.finish_reason == "length" else "stop"
            return Generation(text=tool_calls_as_text(choice.message), prompt_ids=[],
                              token_ids=[], logprobs=[], finish_reason=finish)
        raise AssertionError("unreachable: the loop returns")

    def sync_weights(self, model: Any) -> None:
        """An endpoint's weights are its own: refused (training with it is refused earlier)."""
        raise RuntimeError("policy.backend='openai' cannot take trained weights")

    def release_memory(self) -> None:
        """Nothing is held locally."""

    def close(self) -> None:
        """Close the HTTP client and the request threads (idempotent)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.client.close()
