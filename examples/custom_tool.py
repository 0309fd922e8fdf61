"""Your function → an env → a training run, in a few lines (agentrl.tools quick start).

Run: python examples/custom_tool.py [MODEL]   (default: the embedded SmolLM2-135M)
"""

import sys

from agentrl.run.loop import train
from agentrl.tools import ToolEnv, tool


@tool
def weather(city: str) -> str:
    """Today's weather in a city."""
    return {"Paris": "sunny", "Oslo": "snow"}.get(city, "unknown")


tasks = {"train": [{"question": "Weather in Oslo?", "answer": "snow"}]}
env = ToolEnv(tools=[weather], tasks=tasks)
env.register("tools/weather")

if __name__ == "__main__":
    model = sys.argv[1] if len(sys.argv) > 1 else "embedded:smollm2-135m"
    train({"name": "weather", "env": {"id": "tools/weather"}, "policy": {"model": model},
           "rollout": {"group_size": 2, "sampling": {"max_new_tokens": 48}},
           "trainer": {"iterations": 1, "tasks_per_iteration": 1},
           "eval": {"split": "train", "num_tasks": 1}})
