"""Parallelism: data-parallel training over processes and machines (torch.distributed).

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

Modules: `single` (`SingleProcess`, the interface), `ddp`, `fsdp`, `strategies`
(`init_strategy`, `launch`), `groups` (`gather_groups`, `interleave`). The package sits
below the update and credit layers and imports only the core (and torch).
"""

from agentrl.parallel.ddp import HEARTBEAT_S, DataParallel, RankFailure
from agentrl.parallel.fsdp import FullyShardedDataParallel
from agentrl.parallel.groups import gather_groups, interleave
from agentrl.parallel.single import Discard, SingleProcess
from agentrl.parallel.strategies import STRATEGIES, init_strategy, launch

__all__ = [
    "HEARTBEAT_S",
    "STRATEGIES",
    "DataParallel",
    "Discard",
    "FullyShardedDataParallel",
    "RankFailure",
    "SingleProcess",
    "gather_groups",
    "init_strategy",
    "interleave",
    "launch",
]
