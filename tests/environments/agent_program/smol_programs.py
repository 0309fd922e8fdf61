"""An agent program written with smolagents (PyPI ``smolagents``): a `ToolCallingAgent`
with one tool, pointed at the gateway's ``base_url``."""

from __future__ import annotations

from typing import Any

from smolagents import OpenAIServerModel, ToolCallingAgent, tool

from tests.environments.agent_program.programs import capital_of

MAX_STEPS = 2


@tool
def capital(country: str) -> str:
    """The capital city of a country.

    Args:
        country: The country's English name.
    """
    return capital_of(country)


def smolagents_agent(task: Any, base_url: str, client_kwargs: dict[str, Any]) -> Any:
    """Run a smolagents tool-calling agent on the task; reward 1 for the right capital."""
    model = OpenAIServerModel(
        model_id="agentrl-policy", api_base=base_url, api_key=client_kwargs["api_key"],
        client_kwargs={"max_retries": 0, "timeout": client_kwargs["timeout"]})
    agent = ToolCallingAgent(tools=[capital], model=model, max_steps=MAX_STEPS,
                             verbosity_level=0)
    answer = str(agent.run(task.instruction))
    return float(task.ground_truth.lower() in answer.lower()), {"answer": answer}
