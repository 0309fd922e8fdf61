"""Rollout: prompt building, action parsing, the batched multi-env runner, trajectory I/O.

The names load on first use, so importing a torch-free submodule (the recipe's
`agentrl.rollout.options`) does not import the runner and its policy (torch)."""

from importlib import import_module
from typing import Any

_HOMES = {
    "ParsedAction": "agentrl.rollout.parsing",
    "ProcessEnv": "agentrl.core.process_env",
    "PromptOptions": "agentrl.rollout.prompts",
    "RolloutOptions": "agentrl.rollout.options",
    "RolloutRunner": "agentrl.rollout.runner",
    "TrajectoryWriter": "agentrl.rollout.writer",
    "build_messages": "agentrl.rollout.prompts",
    "parse_react": "agentrl.rollout.parsing",
    "parse_reply": "agentrl.rollout.parsing",
    "read_trajectories": "agentrl.rollout.writer",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first access."""
    if name not in _HOMES:
        raise AttributeError(f"module 'agentrl.rollout' has no attribute {name!r}")
    value = getattr(import_module(_HOMES[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
