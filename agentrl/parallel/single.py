"""`SingleProcess`: the strategy of one process, and the interface every strategy keeps —
wrap a model, shard work, gather results, reduce gradients, gather full state for a
checkpoint. The trainer and the loop call these and never test ranks themselves."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any, TypeVar

import torch
from torch import nn

T = TypeVar("T")
R = TypeVar("R")


class Discard:
    """Stands in for a writer / logger on ranks that do not write files: accepts every
    call and does nothing."""

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        return None

    def __getattr__(self, name: str) -> Callable[..., None]:
        return self


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
            state = by_index(model, state["fqn"])
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


def by_index(model: nn.Module, state: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `by_name`: a name-keyed optimizer state keyed by parameter index."""
    index = {n: i for i, (n, p) in enumerate(
        (n, p) for n, p in model.named_parameters() if p.requires_grad)}
    return {
        "state": {index[name]: value for name, value in state["state"].items()},
        "param_groups": [group | {"params": [index[n] for n in group["params"]]}
                         for group in state["param_groups"]],
    }


def by_name(model: nn.Module, state: dict[str, Any]) -> dict[str, Any]:
    """An index-keyed optimizer state (``optimizer.state_dict()``) keyed by parameter name
    instead, as `set_optimizer_state_dict` wants it; indices follow the trainable
    parameters' order, as the trainer built its optimizer."""
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    return {
        "state": {names[i]: value for i, value in state["state"].items()},
        "param_groups": [group | {"params": [names[i] for i in group["params"]]}
                         for group in state["param_groups"]],
    }
