"""Agent programs: any agent code that talks to an OpenAI-compatible endpoint, trained as
an env.

``make("agent-program", program="my_pkg.agent:run", tasks=[...])`` builds an
`AgentProgramEnv`: each episode runs the user's async function against the policy under
training, served as a chat-completions endpoint on 127.0.0.1 (`gateway`); each call the
program makes is one turn. See docs/environments/agent-program.md.
"""

from agentrl.environments.agent_program.env import AgentProgramEnv
from agentrl.environments.agent_program.program import AgentProgramError


def register_envs() -> None:
    """Register ``agent-program`` (``agentrl.environments.agent_program.env:AgentProgramEnv``)."""
    from agentrl.core.registry import register

    register("agent-program", "agentrl.environments.agent_program.env:AgentProgramEnv")


register_envs()

__all__ = ["AgentProgramEnv", "AgentProgramError", "register_envs"]
