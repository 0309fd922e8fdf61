"""The episode API: data types, the `Env` base class, the registry and the checker."""

from agentrl.core.env import Env, EnvError, digest_state, quote_action
from agentrl.core.registry import make, register, registered
from agentrl.core.types import EnvSpec, Observation, StepResult, Task, Trajectory, Turn

__all__ = [
    "Env",
    "EnvError",
    "EnvSpec",
    "Observation",
    "StepResult",
    "Task",
    "Trajectory",
    "Turn",
    "digest_state",
    "make",
    "quote_action",
    "register",
    "registered",
]
