"""Deprecated: the parallel strategies moved to `agentrl.parallel` (kept for one release)."""

from agentrl._deprecated import moved
from agentrl.parallel import (
    HEARTBEAT_S,
    STRATEGIES,
    DataParallel,
    Discard,
    FullyShardedDataParallel,
    RankFailure,
    SingleProcess,
    gather_groups,
    init_strategy,
    interleave,
    launch,
)

moved("agentrl.run.distributed", "agentrl.parallel")

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
