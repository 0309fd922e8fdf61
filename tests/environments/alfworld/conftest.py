"""Fixtures: a private cache for this package's tests and one small generated env."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from agentrl.environments.alfworld.env import AlfWorldEnv

TASKS_PER_SPLIT = 6  # one task of each of the six types per split


@pytest.fixture(scope="package")
def alf_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """AGENTRL_CACHE pointed at a fresh folder, ALFWORLD_DATA unset, while these tests run."""
    root = tmp_path_factory.mktemp("agentrl-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGENTRL_CACHE", str(root))
        patch.delenv("ALFWORLD_DATA", raising=False)
        yield root


@pytest.fixture(scope="package")
def alf_env(alf_cache: Path) -> Iterator[AlfWorldEnv]:
    """A generated env with six tasks per split and room for the expert's detours."""
    env = AlfWorldEnv(num_tasks=TASKS_PER_SPLIT, max_turns=150)
    yield env
    env.close()
