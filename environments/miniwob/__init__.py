"""MiniWoB++ (the PyPI `miniwob` package's 125 task pages) in headless Chromium:
``miniwob/<task>`` for one task, ``miniwob`` for several, with the benchmark's actions and
reward on a virtual clock; oracles for a dozen tasks."""

from agentrl.core.registry import register
from agentrl.environments.miniwob.env import MiniWoBEnv
from agentrl.environments.miniwob.tasks import catalogue, task_names


def register_envs() -> None:
    """Register ``miniwob`` (several tasks, ``tasks=[...]``) and ``miniwob/<task>`` for each
    task the installed `miniwob` package ships."""
    register("miniwob", "agentrl.environments.miniwob.env:MiniWoBEnv")
    for name in task_names():
        register(f"miniwob/{name}", "agentrl.environments.miniwob.env:MiniWoBEnv", task=name)


register_envs()

__all__ = ["MiniWoBEnv", "catalogue", "register_envs", "task_names"]
