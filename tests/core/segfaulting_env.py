"""An env that crashes its interpreter with a segfault on any action holding a backslash.

Imported by name only inside the env process of `check_env_target(..., isolate=True)`
(tests/core/test_check_env.py); it stands in for a native engine that crashes.
"""

from __future__ import annotations

import ctypes

from agentrl.core.types import StepResult
from agentrl.environments.toy.corridor import CorridorEnv


class SegfaultsOnBackslash(CorridorEnv):
    """The corridor, except that a backslash dereferences a null pointer."""

    def step(self, action: str) -> StepResult:
        if "\\" in action:
            ctypes.string_at(0)  # SIGSEGV: what a crashing native engine does
        return super().step(action)
