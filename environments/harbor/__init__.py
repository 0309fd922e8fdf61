"""Harbor: task folders of the Harbor format (PyPI ``harbor``) run in agentrl's sandboxes.

``make("harbor", path=...)`` builds a `HarborEnv`; `export_swe_tasks` writes the SWE
family's generated tasks as Harbor folders; ``examples/`` holds three small tasks.
"""

from pathlib import Path

from agentrl.environments.harbor.env import HarborEnv
from agentrl.environments.harbor.task import HarborTask, HarborTaskError, find_tasks

EXAMPLES = Path(__file__).with_name("examples")


def register_envs() -> None:
    """Register ``harbor`` (the entry point is ``agentrl.environments.harbor:HarborEnv``)."""
    from agentrl.core.registry import register

    register("harbor", "agentrl.environments.harbor.env:HarborEnv")


register_envs()

__all__ = ["EXAMPLES", "HarborEnv", "HarborTask", "HarborTaskError", "find_tasks",
           "register_envs"]
