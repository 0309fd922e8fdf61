"""Data-parallel training over processes and machines (torch.distributed).

The trainer and the train loop talk to ONE strategy object at a boundary — wrap a model,
shard work, gather results, reduce gradients, gather full state for a checkpoint — and
never test ranks themselves. Three strategies:

| strategy                   | parameters              | gradients                           |
|----------------------------|-------------------------|-------------------------------------|
| `SingleProcess`            | one copy                | as computed                         |
| `DataParallel` (ddp)       | a full copy per rank    | all-reduced (mean) per optimizer step |
| `FullyShardedDataParallel` | sharded (FSDP2)         | reduce-scattered (mean) in backward |

Equal updates: each rank scores its share of a minibatch and divides its loss by the
minibatch's global count / world size (`loss_normalizer`); the mean over ranks of those
gradients is the gradient of the global token-mean, so N ranks make the update one rank
makes on the same batch.

Every collective is announced in the process group's store (``agentrl/at/<rank>``); when
one fails or times out (``trainer.dist_timeout_s``) the error names the ranks that never
reached it — a dead or hung rank ends the run loudly instead of hanging it.
"""

from __future__ import annotations

import copy
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import timedelta
from typing import Any, TypeVar

import torch
from torch import nn

from agentrl.core.types import GroupKey, Trajectory, group_members

HEARTBEAT_S = 1.0  # how often each rank tells the store it is alive
T = TypeVar("T")
R = TypeVar("R")


class RankFailure(RuntimeError):
    """A collective failed or timed out: another rank died, hung or raised."""


class Discard:
    """Stands in for a writer / logger on ranks that do not write files: accepts every
    call and does nothing."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Callable[..., None]:
        return self


def interleave(parts: Sequence[Sequence[T]], unit: int) -> list[T]:
    """Undo strided sharding: ``parts[r]`` holds units r, r + N, r + 2N, … (``unit`` items
    each); return the units in their original order. For items that have no identity of
    their own (`map_sharded`'s results); trajectories go by group: `gather_groups`."""
    world = len(parts)
    units = sum(len(p) for p in parts) // max(1, unit)
    ordered: list[T] = []
    for index in range(units):
        start = (index // world) * unit
        ordered += parts[index % world][start : start + unit]
    return ordered


def gather_groups(parts: Sequence[Sequence[Trajectory]],
                  keys: Sequence[GroupKey]) -> list[Trajectory]:
    """The ranks' trajectories as one batch in the order of ``keys`` (the batch's groups),
    each group's members together: grouped by identity, whatever rank or position each
    came from. A group of ``keys`` with no member, or a member of no group of ``keys``, is
    an error naming it."""
    ids = [key.group_id for key in keys]
    groups = group_members((t for part in parts for t in part), ids)
    missing = [group_id for group_id in ids if not groups[group_id]]
    stray = sorted(set(groups) - set(ids))
    if missing or stray:
        raise ValueError(f"gather_groups: groups without members {missing}, trajectories of "
                         f"groups not in the batch {stray}")
    return [t for group in groups.values() for t in group]


class SingleProcess:
    """One process, no communication: every method is the identity or a local call."""

    name = "single"
    rank = 0
    world_size = 1
    is_main = True

    def __init__(self, device: str = "cpu") -> None:
        self.device = device

    # -- models ---------------------------------------------------------------------------

    def prepare(self, model: nn.Module) -> None:
        """Make ``model`` ready for this strategy (in place)."""

    def frozen_copy(self, model: nn.Module, into: nn.Module | None = None) -> nn.Module:
        """A frozen copy of ``model`` (a KL reference); ``into`` an earlier one to refill."""
        reference = copy.deepcopy(model).eval()
        reference.requires_grad_(False)
        return reference

    def generation(self, model: nn.Module) -> AbstractContextManager[None]:
        """Context in which a rank may run forward passes on its own (rollouts, eval)."""
        return nullcontext()

    def full_state_dict(self, model: nn.Module) -> dict[str, torch.Tensor]:
        """The whole model's state (on the main rank; collective under FSDP)."""
        return model.state_dict()

    def load_full_state_dict(self, model: nn.Module, state: dict[str, torch.Tensor]) -> None:
        """Load a full (unsharded) state dict; keys missing from it are left as they are."""
        model.load_state_dict(state, strict=False)

    def load_adapter(self, model: nn.Module, adapter: dict[str, torch.Tensor]) -> None:
        """Load a saved peft adapter (``adapter_model.safetensors``) into ``model``."""
        from peft import set_peft_model_state_dict

        set_peft_model_state_dict(model, adapter)

    def optimizer_state_dict(self, model: nn.Module, optimizer: torch.optim.Optimizer) -> Any:
        """The optimizer's full state, as a checkpoint keeps it."""
        return optimizer.state_dict()

    def load_optimizer_state_dict(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                                  state: Any) -> None:
        """Restore what `optimizer_state_dict` returned (from any number of ranks)."""
        if "fqn" in state:  # saved by fsdp: keyed by parameter name
            state = _by_index(model, state["fqn"])
        optimizer.load_state_dict(state)

    # -- work split -----------------------------------------------------------------------

    def shard(self, items: Sequence[T]) -> list[T]:
        """This rank's share of ``items``: items rank, rank + N, rank + 2N, …"""
        return list(items[self.rank :: self.world_size])

    def all_gather(self, local: T) -> list[T]:
        """Every rank's ``local``, in rank order, on every rank."""
        return [local]

    def map_sharded(self, fn: Callable[[list[T]], list[R]], items: Sequence[T]) -> list[R]:
        """``fn`` (one result per item) applied by each rank to its share; all results, in
        the order of ``items``, on every rank."""
        return fn(list(items))

    def micro_batches(self, minibatch: Sequence[T], size: int) -> Iterator[tuple[list[T], bool]]:
        """This rank's micro-batches of ``minibatch``, each with ``True`` when it counts
        (``False``: a padding micro-batch that adds nothing, run only so that every rank
        makes the same forward passes)."""
        for start in range(0, len(minibatch), size):
            yield list(minibatch[start : start + size]), True

    def loss_normalizer(self, global_count: float) -> float:
        """What each rank divides its loss by, given the minibatch's token / sequence count,
        so that the reduced gradient is the one of the whole minibatch's loss."""
        return global_count / self.world_size

    def reduce_gradients(self, parameters: list[nn.Parameter]) -> None:
        """Make every rank's gradients the mean over ranks (before clipping)."""

    def clip_grad_norm(self, parameters: list[nn.Parameter], max_norm: float) -> float:
        """Clip the (reduced) gradients to ``max_norm``; return their norm before clipping."""
        return float(torch.nn.utils.clip_grad_norm_(parameters, max_norm))

    def sum_metrics(self, metrics: dict[str, float]) -> dict[str, float]:
        """Per-key sums over ranks (of per-rank sums)."""
        return metrics

    # -- run control ----------------------------------------------------------------------

    def main_only(self, make: Callable[[], T]) -> T | Discard:
        """``make()`` on the main rank; a `Discard` elsewhere (files are written once)."""
        return make() if self.is_main else Discard()

    def barrier(self, what: str = "barrier") -> None:
        """Wait for every rank."""

    def close(self) -> None:
        """Leave the process group."""


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


class FullyShardedDataParallel(DataParallel):
    """``trainer.strategy: fsdp``: FSDP2 (`torch.distributed.fsdp.fully_shard`) on every
    decoder layer and the root; parameters, gradients and optimizer state sharded over
    ranks; bf16 compute with fp32 gradient reduction on GPU (`MixedPrecisionPolicy`).

    Every rank must run the same forward passes (each all-gathers a layer's shards):
    shares are padded to equal length, and rollouts / eval run with the weights gathered
    once (`generation`), so a rank may then decode alone."""

    name = "fsdp"
    pad_shares = True

    def __init__(self, device: str, *, timeout_s: float) -> None:
        super().__init__(device, timeout_s=timeout_s)
        from torch.distributed.device_mesh import init_device_mesh

        self.mesh = init_device_mesh(torch.device(device).type, (self.world_size,))

    def prepare(self, model: nn.Module) -> None:
        """``fully_shard`` each decoder layer (the model's ``_no_split_modules``), then the
        root."""
        from torch.distributed.fsdp import MixedPrecisionPolicy, fully_shard

        policy = MixedPrecisionPolicy()
        if torch.device(self.device).type == "cuda":
            policy = MixedPrecisionPolicy(param_dtype=torch.bfloat16, reduce_dtype=torch.float32)
        layer_types = {name for m in model.modules()
                       for name in (getattr(m, "_no_split_modules", None) or ())}
        for module in list(model.modules()):
            if module is not model and type(module).__name__ in layer_types:
                fully_shard(module, mesh=self.mesh, mp_policy=policy)
        fully_shard(model, mesh=self.mesh, mp_policy=policy)

    def frozen_copy(self, model: nn.Module, into: nn.Module | None = None) -> nn.Module:
        """FSDP modules cannot be deep-copied: copied before `prepare`, then refilled."""
        if into is None:  # before sharding (the Trainer makes its reference first)
            return SingleProcess.frozen_copy(self, model)
        with torch.no_grad():
            for target, source in zip(into.parameters(), model.parameters(), strict=True):
                target.copy_(source)
        return into

    @contextmanager
    def generation(self, model: nn.Module) -> Iterator[None]:
        """All-gather the weights once; forward passes then need no collective."""
        from torch.distributed.fsdp import FSDPModule

        modules = [m for m in model.modules() if isinstance(m, FSDPModule)]
        self._collective("gather weights", lambda: [m.unshard() for m in modules])
        for module in modules:
            module.set_reshard_after_forward(False)
        try:
            yield
        finally:
            for module in modules:
                module.reshard()
                module.set_reshard_after_forward(True)

    def full_state_dict(self, model: nn.Module) -> dict[str, torch.Tensor]:
        """The full state on rank 0 (on CPU), gathered from the shards."""
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

        options = StateDictOptions(full_state_dict=True, cpu_offload=True)
        return self._collective("gather state", lambda: get_model_state_dict(model,
                                                                             options=options))

    def load_full_state_dict(self, model: nn.Module, state: dict[str, torch.Tensor]) -> None:
        """Load a full state dict into the shards."""
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_model_state_dict

        options = StateDictOptions(full_state_dict=True, strict=False)
        self._collective("load state", lambda: set_model_state_dict(model, state,
                                                                    options=options))

    def load_adapter(self, model: nn.Module, adapter: dict[str, torch.Tensor]) -> None:
        """Saved adapter keys lack the adapter's name (``lora_A.weight`` for the model's
        ``lora_A.default.weight``): map them, then load as a full state dict."""
        names = {key.replace(".default", ""): key for key in model.state_dict()}
        self.load_full_state_dict(model, {names[k]: v for k, v in adapter.items()})

    def optimizer_state_dict(self, model: nn.Module, optimizer: torch.optim.Optimizer) -> Any:
        """The full optimizer state, keyed by parameter name (any world size can load it)."""
        from torch.distributed.checkpoint.state_dict import (
            StateDictOptions,
            get_optimizer_state_dict,
        )

        options = StateDictOptions(full_state_dict=True, cpu_offload=True)
        state = self._collective("gather optimizer", lambda: get_optimizer_state_dict(
            model, optimizer, options=options))
        return {"fqn": state}

    def load_optimizer_state_dict(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                                  state: Any) -> None:
        """Restore a full optimizer state (name- or index-keyed) into the shards."""
        from torch.distributed.checkpoint.state_dict import (
            StateDictOptions,
            set_optimizer_state_dict,
        )

        if "fqn" not in state:  # saved by one process or ddp: keyed by parameter index
            state = {"fqn": _by_name(model, state)}
        self._collective("load optimizer", lambda: set_optimizer_state_dict(
            model, optimizer, state["fqn"], options=StateDictOptions(full_state_dict=True)))

    def micro_batches(self, minibatch: Sequence[T], size: int) -> Iterator[tuple[list[T], bool]]:
        """As many micro-batches on every rank as the busiest rank's share needs; the
        padding ones do not count."""
        busiest = -(-len(minibatch) // self.world_size)  # the largest share, in turns
        count = -(-busiest // size)
        local = self.shard(minibatch)
        for index in range(count):
            micro = local[index * size : (index + 1) * size]
            yield (micro, True) if micro else (list(minibatch[:1]), False)

    def reduce_gradients(self, parameters: list[nn.Parameter]) -> None:
        """Nothing left to do: FSDP reduce-scattered (averaged) them in backward."""

    def clip_grad_norm(self, parameters: list[nn.Parameter], max_norm: float) -> float:
        """Clip the sharded gradients by their global norm."""
        norm = self._collective("clip gradients", lambda: torch.nn.utils.clip_grad_norm_(
            parameters, max_norm))
        return float(norm.full_tensor() if hasattr(norm, "full_tensor") else norm)


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


def _default_store() -> Any:
    try:
        from torch.distributed.distributed_c10d import _get_default_store

        return _get_default_store()
    except Exception:  # noqa: BLE001 - diagnosis only; collectives still time out
        return None


def _broadcast(dist: Any, tensors: list[torch.Tensor]) -> None:
    for tensor in tensors:
        dist.broadcast(tensor, src=0)


def _by_index(model: nn.Module, state: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `_by_name`: a name-keyed optimizer state keyed by parameter index."""
    index = {n: i for i, (n, p) in enumerate(
        (n, p) for n, p in model.named_parameters() if p.requires_grad)}
    return {
        "state": {index[name]: value for name, value in state["state"].items()},
        "param_groups": [group | {"params": [index[n] for n in group["params"]]}
                         for group in state["param_groups"]],
    }


def _by_name(model: nn.Module, state: dict[str, Any]) -> dict[str, Any]:
    """An index-keyed optimizer state (``optimizer.state_dict()``) keyed by parameter name
    instead, as `set_optimizer_state_dict` wants it; indices follow the trainable
    parameters' order, as the trainer built its optimizer."""
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    return {
        "state": {names[i]: value for i, value in state["state"].items()},
        "param_groups": [group | {"params": [names[i] for i in group["params"]]}
                         for group in state["param_groups"]],
    }

