"""`DataParallel` (``trainer.strategy: ddp``): a full model per rank, gradients all-reduced
to their mean once per optimizer step.

Every collective is announced in the process group's store (``agentrl/at/<rank>``) and
each rank beats a heartbeat there; when a collective fails or times out
(``trainer.dist_timeout_s``) the `RankFailure` names the ranks that never reached it — a
dead or hung rank ends the run loudly instead of hanging it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import torch
from torch import nn

from agentrl.parallel.groups import interleave
from agentrl.parallel.single import SingleProcess

HEARTBEAT_S = 1.0  # how often each rank tells the store it is alive
T = TypeVar("T")
R = TypeVar("R")


class RankFailure(RuntimeError):
    """A collective failed or timed out: another rank died, hung or raised."""


class DataParallel(SingleProcess):
    """``trainer.strategy: ddp``: a full model per rank; gradients all-reduced once per
    optimizer step (flattened into one buffer per dtype) — the arithmetic of torch DDP
    with ``no_sync`` over micro-batches, without wrapping the Hugging Face model."""

    name = "ddp"

    def __init__(self, device: str, *, timeout_s: float) -> None:
        import torch.distributed as dist

        self.dist = dist
        self.device = device
        self.rank = dist.get_rank()
        self.world_size = dist.get_world_size()
        self.is_main = self.rank == 0
        self.timeout_s = timeout_s
        self._store = _default_store()
        self._step = 0
        self._stop = threading.Event()
        if self._store is not None:  # a stopped or dead rank's heartbeat stands still
            threading.Thread(target=self._beat, daemon=True, name="agentrl-heartbeat").start()

    def _beat(self) -> None:
        count = 0
        while not self._stop.wait(HEARTBEAT_S):
            count += 1
            try:
                self._store.set(f"agentrl/alive/{self.rank}", str(count))
            except Exception:  # noqa: BLE001 - the store went away: the run is ending
                return

    def _collective(self, what: str, call: Callable[[], R]) -> R:
        """Run one collective; on failure raise `RankFailure` naming the ranks behind."""
        self._step += 1
        try:
            if self._store is not None:
                self._store.set(f"agentrl/at/{self.rank}", f"{self._step} {what}")
            return call()
        except Exception as error:  # noqa: BLE001 - gloo / nccl raise RuntimeError subclasses
            raise RankFailure(self._diagnose(what, error)) from error

    def _read(self, key: str) -> str | None:
        try:
            return self._store.get(key).decode()
        except Exception:  # noqa: BLE001 - the store may be gone with its host
            return None

    def _diagnose(self, what: str, error: BaseException) -> str:
        """Which ranks failed this one: silent ones (their heartbeat stood still for three
        beats: dead or stopped) and ones behind (alive, but never reached this collective)."""
        blamed = []
        if self._store is not None:
            self._store.set_timeout(timedelta(seconds=5))
            others = [r for r in range(self.world_size) if r != self.rank]
            beats = {r: self._read(f"agentrl/alive/{r}") for r in others}
            time.sleep(3 * HEARTBEAT_S)
            for rank in others:
                position = self._read(f"agentrl/at/{rank}") or "0 (none)"
                step, _, last = position.partition(" ")
                if beats[rank] is None or self._read(f"agentrl/alive/{rank}") == beats[rank]:
                    blamed.append(f"rank {rank} (no heartbeat for {3 * HEARTBEAT_S:g}s: dead or "
                                  f"stopped; last reached #{step} {last!r})")
                elif int(step) < self._step:
                    blamed.append(f"rank {rank} (alive, behind: last reached #{step} {last!r})")
        who = ", ".join(blamed) if blamed else "another rank (it raised, or the store is gone)"
        return (f"rank {self.rank}: collective #{self._step} {what!r} failed: {who} did not "
                f"take part — dead, hung or failed (trainer.dist_timeout_s={self.timeout_s:g})."
                f" Cause: {type(error).__name__}: {(str(error).splitlines() or [''])[0]}")

    def prepare(self, model: nn.Module) -> None:
        """Start every rank from rank 0's weights."""
        tensors = [t.data for t in model.state_dict(keep_vars=True).values()]
        self._collective("broadcast weights", lambda: _broadcast(self.dist, tensors))

    def all_gather(self, local: T) -> list[T]:
        """Every rank's ``local`` (pickled), in rank order."""
        gathered: list[Any] = [None] * self.world_size
        self._collective("all_gather", lambda: self.dist.all_gather_object(gathered, local))
        return gathered

    pad_shares = False  # FSDP: every rank must make the same forward passes

    def map_sharded(self, fn: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R]:
        """Each rank applies ``fn`` to its share; results gathered in order."""
        local = self.shard(items)
        padding = -(-len(items) // self.world_size) - len(local) if self.pad_shares else 0
        results = fn(local + list(items[:padding]))[: len(local)]
        return interleave(self.all_gather(results), unit=1)

    def micro_batches(self, minibatch: Sequence[T], size: int) -> Iterator[tuple[list[T], bool]]:
        """Micro-batches of this rank's share of ``minibatch``."""
        yield from SingleProcess.micro_batches(self, self.shard(minibatch), size)

    def reduce_gradients(self, parameters: list[nn.Parameter]) -> None:
        """All-reduce the gradients to their mean (zeros where a rank had none)."""
        for parameter in parameters:
            if parameter.grad is None:  # no token of this rank's share reached it
                parameter.grad = torch.zeros_like(parameter)
        by_dtype: dict[torch.dtype, list[torch.Tensor]] = {}
        for parameter in parameters:
            by_dtype.setdefault(parameter.grad.dtype, []).append(parameter.grad)
        for grads in by_dtype.values():
            flat = torch.cat([g.reshape(-1) for g in grads])
            self._collective("reduce gradients", lambda flat=flat: self.dist.all_reduce(flat))
            flat /= self.world_size
            offset = 0
            for grad in grads:
                grad.copy_(flat[offset : offset + grad.numel()].view_as(grad))
                offset += grad.numel()

    def sum_metrics(self, metrics: dict[str, float]) -> dict[str, float]:
        """Per-key sums over ranks; keys missing on a rank count 0."""
        totals: dict[str, float] = {}
        for part in self.all_gather(metrics):  # ranks may differ in keys (an idle rank)
            for key, value in part.items():
                totals[key] = totals.get(key, 0.0) + value
        return totals

    def barrier(self, what: str = "barrier") -> None:
        """Wait for every rank (with the process group's timeout)."""
        self._collective(what, lambda: self.dist.barrier())

    def close(self) -> None:
        """Stop the heartbeat and leave the process group."""
        self._stop.set()
        if self.dist.is_initialized():
            self.dist.destroy_process_group()


def _default_store() -> Any:
    try:
        from torch.distributed.distributed_c10d import _get_default_store

        return _get_default_store()
    except Exception:  # noqa: BLE001 - diagnosis only; collectives still time out
        return None


def _broadcast(dist: Any, tensors: list[torch.Tensor]) -> None:
    for tensor in tensors:
        dist.broadcast(tensor, src=0)
