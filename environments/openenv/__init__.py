"""OpenEnv: any OpenEnv server (PyPI ``openenv-core``) as an agentrl env.

``make("openenv", base_url="http://localhost:8000")`` builds an `OpenEnvEnv`: one WebSocket
session per env, text actions parsed into the server's action model from ``/schema``.
The adapter speaks the wire protocol itself (``websockets`` and the standard library); the
server side needs ``openenv-core``.
"""

from agentrl.environments.openenv.actions import ActionSchema, ActionSchemaError
from agentrl.environments.openenv.env import OpenEnvEnv
from agentrl.environments.openenv.session import CapacityError, OpenEnvError


def register_envs() -> None:
    """Register ``openenv`` (the entry point is ``agentrl.environments.openenv:OpenEnvEnv``)."""
    from agentrl.core.registry import register

    register("openenv", "agentrl.environments.openenv.env:OpenEnvEnv")


register_envs()

__all__ = ["ActionSchema", "ActionSchemaError", "CapacityError", "OpenEnvEnv", "OpenEnvError",
           "register_envs"]
