"""Generation on a vLLM engine that a weight update can interrupt: abort and resume.

`VLLMPolicy.generate_from_ids` drives the engine request by request, step by step
(``LLMEngine.add_request`` / ``step``, outputs streamed as deltas), instead of
``LLM.generate``, which runs to the end. Between two engine steps it asks the `WeightSwap`
it was given whether newer weights wait (asynchronous training: the trainer has published
an update). If they do, the requests still generating are aborted, the new weights are
loaded (`WeightSwap.apply`), and each aborted request is submitted again with the tokens it
generated appended to its prompt and the rest of its token budget: its prefix is prefilled
under the new weights and sampling goes on from there (AReaL's and verl's partial rollouts).
Every token keeps the log-prob the engine reported when it was sampled and the version of
the weights that sampled it. Tokens the engine produced after the last output it streamed
are lost with the abort, never seen, so the prefix is exactly what was reported.

Without a swap the loop runs the requests to the end, as ``LLM.generate`` would.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

_REQUEST_IDS = itertools.count()


class WeightSwap(Protocol):
    """Newer weights a generate call in flight may let in between two engine steps."""

    version: int  # the version of the weights the engine holds now

    def pending(self) -> bool:
        """Whether newer weights wait to be loaded."""
        ...

    def apply(self) -> int:
        """Load them now (no request is running on the engine); return the version held."""
        ...


@dataclass
class StreamedRequest:
    """One prompt's generation as it streams in, across aborts and resumes."""

    row: int
    prompt: list[int]
    tokens: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)  # the version of each token's weights
    done: bool = False
    request_id: str = ""


ParamsFor = Callable[[StreamedRequest], Any]  # the engine's SamplingParams of a (re)submit


def run_requests(engine: Any, prompts: list[list[int]], params_for: ParamsFor,
                 swap: WeightSwap | None = None) -> list[StreamedRequest]:
    """Generate one reply per prompt on ``engine`` (a vLLM ``LLMEngine``), letting ``swap``'s
    weights in between steps (module docstring). ``params_for(request)`` gives the sampling
    parameters of a request's submission (its remaining budget, its seed), streamed as
    deltas with per-token log-probs."""
    requests = [StreamedRequest(row, list(prompt)) for row, prompt in enumerate(prompts)]
    version = swap.version if swap is not None else 0
    live = _submit(engine, requests, params_for)
    try:
        while engine.has_unfinished_requests():
            for output in engine.step():
                request = live.get(output.request_id)
                if request is not None:
                    _append(request, output, version)
            if swap is not None and swap.pending():
                running = [r for r in requests if not r.done]
                if running:
                    engine.abort_request([r.request_id for r in running])
                    version = swap.apply()
                    live = _submit(engine, running, params_for)
    except BaseException:  # leave no request of this call on the engine for the next one
        engine.abort_request([r.request_id for r in requests if not r.done])
        raise
    return requests


def _submit(engine: Any, requests: list[StreamedRequest],
            params_for: ParamsFor) -> dict[str, StreamedRequest]:
    """(Re)submit ``requests``: prompt + the tokens generated so far; by request id."""
    from vllm.inputs import TokensPrompt

    live = {}
    for request in requests:
        request.request_id = f"agentrl-{next(_REQUEST_IDS)}"
        engine.add_request(request.request_id,
                           TokensPrompt(prompt_token_ids=request.prompt + request.tokens),
                           params_for(request))
        live[request.request_id] = request
    return live


def _append(request: StreamedRequest, output: Any, version: int) -> None:
    """Add a delta output's tokens, their log-probs and ``version`` to ``request``."""
    sample = output.outputs[0]
    tokens = list(sample.token_ids)
    request.tokens += tokens
    request.logprobs += [float(step[token].logprob)
                         for token, step in zip(tokens, sample.logprobs, strict=True)]
    request.versions += [version] * len(tokens)
    request.done = bool(output.finished)
