"""agentrl: train LLM agents with reinforcement learning on multi-turn tasks."""

from agentrl.core import (
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
