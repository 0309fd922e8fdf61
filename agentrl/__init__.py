"""agentrl: train LLM agents with reinforcement learning on multi-turn tasks."""

import os

# OpenMP threads sleep while they wait instead of spinning: set before anything loads
# torch's OpenMP runtime (why: `agentrl.policy.threads`).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from agentrl.core import (  # noqa: E402
    Env,
    EnvSpec,
    Observation,
    StepResult,
    Task,
    Trajectory,
    Turn,
    make,
    register,
    registered,
)

__version__ = "0.1.0"

__all__ = [
    "Env",
    "EnvSpec",
    "Observation",
    "StepResult",
    "Task",
    "Trajectory",
    "Turn",
    "__version__",
    "make",
    "register",
    "registered",
]
import agentrl.core.gym  # noqa: E402,F401  (registers agentrl/<Name>-v0 with gymnasium)
