"""Choosing and starting the strategy for this process (`init_strategy`), and launching a
command as several local ranks (`launch`)."""

from __future__ import annotations

import os
from datetime import timedelta

import torch

from agentrl.parallel.ddp import DataParallel
from agentrl.parallel.fsdp import FullyShardedDataParallel
from agentrl.parallel.single import SingleProcess

STRATEGIES: dict[str, type[DataParallel]] = {"ddp": DataParallel,
                                             "fsdp": FullyShardedDataParallel}


def init_strategy(name: str = "ddp", *, device: str = "cpu", timeout_s: float = 1800.0,
                  init_method: str | None = None, rank: int | None = None,
                  world_size: int | None = None) -> SingleProcess:
    """The strategy for this process: `SingleProcess` unless torchrun (``WORLD_SIZE`` > 1)
    or the arguments ask for several ranks; then joins the process group — ``nccl`` on
    CUDA, ``gloo`` on CPU — with a ``timeout_s`` on every collective.

    ``device`` 'cuda' becomes this rank's GPU (``cuda:<LOCAL_RANK>``)."""
    world = world_size if world_size is not None else int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return SingleProcess(device)
    if name not in STRATEGIES:
        raise ValueError(f"trainer.strategy={name!r} is not known; known: "
                         f"{', '.join(STRATEGIES)}")
    import torch.distributed as dist

    if torch.device(device).type == "cuda":
        local = int(os.environ.get("LOCAL_RANK", rank or 0))
        device = f"cuda:{local}"
        torch.cuda.set_device(local)
    if not dist.is_initialized():
        dist.init_process_group(
            "nccl" if device.startswith("cuda") else "gloo",
            init_method=init_method, rank=-1 if rank is None else rank, world_size=world,
            timeout=timedelta(seconds=timeout_s),
        )
    return STRATEGIES[name](device, timeout_s=timeout_s)


def launch(nproc: int, argv: list[str]) -> int:
    """Run ``python -m agentrl ARGV…`` as ``nproc`` ranks on this machine with torchrun
    (``torch.distributed.run --standalone``); return its exit status. A rank that fails
    ends the others, and torchrun's summary names it."""
    import subprocess
    import sys

    if "WORLD_SIZE" in os.environ:
        raise RuntimeError("--nproc inside a torchrun job: launch with one or the other")
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone",
               f"--nproc-per-node={nproc}", "--max-restarts=0", "-m", "agentrl", *argv]
    return subprocess.call(command)
