"""`FullyShardedDataParallel` (``trainer.strategy: fsdp``): FSDP2 over the decoder layers,
with full state dicts gathered for checkpoints."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import torch
from torch import nn

from agentrl.parallel.ddp import DataParallel
from agentrl.parallel.single import SingleProcess, by_name

T = TypeVar("T")


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
            state = {"fqn": by_name(model, state)}
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
