"""The policy's numeric precision: which dtype ``policy.dtype`` resolves to, how the
weights are stored and in which dtype the matmuls run.

``auto`` (the default) is ``bfloat16`` on a CPU whose instruction set multiplies bf16
natively (``avx512_bf16`` or AMX, read from ``/proc/cpuinfo``) and ``float32`` elsewhere
(other CPUs, and GPUs: name ``bfloat16`` there to get it). ``float32``, ``bfloat16`` and
``float16`` are always available by name.

``bfloat16`` on a CPU is *mixed* precision, the way torch's autocast means it: the forward
passes of rollout, scoring and update run under ``torch.autocast("cpu", torch.bfloat16)``
(matmuls and attention in bf16, softmax / norms / the log-probs in fp32), while what is
trained stays fp32 — the LoRA adapter (its optimizer state with it), or the whole model when
there is no adapter. Under LoRA the frozen base weights are stored in bf16 (half the memory
and half the bytes each decoded token reads); without LoRA they are the fp32 master weights
that autocast casts. On a GPU ``bfloat16`` / ``float16`` keep their former meaning: the
weights are loaded in that dtype.

The rollout and the trainer then compute the same bf16 forward in different shapes (one
token at a time with a KV cache, against the whole sequence), so their log-probs of the
sampled tokens differ more than in fp32; ``train/rollout_logprob_diff_mean`` measures it
every update and ``algorithm.rollout_correction: token_tis`` corrects for it
(`agentrl.update.rollout_correction`; the figures are in docs/concepts/speed.md).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import torch

DTYPES = ("auto", "float32", "bfloat16", "float16")
BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # CPU flags of native bf16 matmuls


@cache
def cpu_bf16_flags(cpuinfo: str = "/proc/cpuinfo") -> tuple[str, ...]:
    """Which of `BF16_FLAGS` the CPU reports (empty where ``cpuinfo`` is missing)."""
    try:
        text = Path(cpuinfo).read_text()
    except OSError:
        return ()
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return tuple(flag for flag in BF16_FLAGS if flag in flags)


def resolve_dtype(name: str, device: str | torch.device = "cpu") -> str:
    """The dtype ``policy.dtype`` = ``name`` means on ``device``: ``auto`` becomes
    ``bfloat16`` on a CPU with native bf16 (`cpu_bf16_flags`), else ``float32``."""
    if name not in DTYPES:
        raise ValueError(f"policy.dtype={name!r} is not one of {', '.join(DTYPES)}")
    if name != "auto":
        return name
    on_cpu = torch.device(device).type == "cpu"
    return "bfloat16" if on_cpu and cpu_bf16_flags() else "float32"


@dataclass(frozen=True)
class Precision:
    """How a policy computes: ``name`` (the resolved dtype), ``storage`` (the dtype its
    frozen weights are loaded in) and ``autocast`` (the dtype its forward passes run in
    under torch.autocast; None: no autocast, everything in ``storage``)."""

    name: str
    storage: torch.dtype
    autocast: torch.dtype | None = None

    @classmethod
    def of(cls, name: str, device: str | torch.device = "cpu", *, lora: bool = False
           ) -> Precision:
        """The precision of ``policy.dtype`` = ``name`` on ``device`` (see the module)."""
        resolved = resolve_dtype(name, device)
        dtype = getattr(torch, resolved)
        if torch.device(device).type != "cpu" or resolved == "float32":
            return cls(resolved, dtype)
        # CPU, reduced precision: trained weights stay fp32; frozen LoRA base in bf16
        return cls(resolved, dtype if lora else torch.float32, dtype)

    def compute(self, device: torch.device) -> contextlib.AbstractContextManager:
        """The context the forward passes run in: autocast to ``autocast``, or nothing."""
        if self.autocast is None:
            return contextlib.nullcontext()
        return torch.autocast(device.type, dtype=self.autocast)


FLOAT32 = Precision("float32", torch.float32)
