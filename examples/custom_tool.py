"""Your function → an env → a training run that learns, in a few lines (agentrl.tools quick start).

The env is a `ToolEnv` over one Python function. It also knows its expert — call the tool for
the city asked about, then answer with what it returned — so the run starts with a short SFT
warm start on those demonstrations (a 135M model cannot guess the tool-call format), then
GRPO on sampled episodes, whose groups then mix wins and losses, and ends with a held-out
eval on cities it never trained on.

Run: python examples/custom_tool.py [MODEL] [ITERATIONS]   (default: the embedded
SmolLM2-135M, 6 RL iterations)
"""

import json
import sys

from agentrl.core import Task, register
from agentrl.run.loop import train
from agentrl.tools import ToolEnv, tool

WEATHER = {"Paris": "sunny", "Oslo": "snow", "Lima": "fog", "Cairo": "hot", "Dublin": "rain",
           "Tokyo": "cloudy", "Quito": "mild", "Perth": "windy", "Rome": "sunny",
           "Riga": "snow", "Accra": "humid", "Bergen": "rain"}
HELDOUT = ("Rome", "Riga", "Accra", "Bergen")


@tool
def weather(city: str) -> str:
    """Today's weather in a city."""
    return WEATHER.get(city, "unknown")


class WeatherEnv(ToolEnv):
    """The weather tool as an env, with its expert's demonstration for the warm start."""

    def demonstration(self, task: Task) -> list[str]:
        """Call the tool on the task's city, then answer with its result."""
        call = {"name": "weather", "arguments": {"city": task.metadata["city"]}}
        answer = f"<answer>{task.ground_truth}</answer>"
        return [f"<tool_call>{json.dumps(call)}</tool_call>", answer]


def record(city: str) -> dict:
    """One question about ``city``; its answer is what the tool says."""
    return {"id": f"weather-{city.lower()}", "question": f"What is the weather in {city} today?",
            "answer": WEATHER[city], "city": city}


TASKS = {"train": [record(c) for c in WEATHER if c not in HELDOUT],
         "heldout": [record(c) for c in HELDOUT]}


def make_env(**overrides) -> WeatherEnv:
    """A fresh weather env (what `agentrl.make("tools/weather")` builds)."""
    return WeatherEnv(**{"tools": [weather], "tasks": TASKS, "max_turns": 3,
                         "env_id": "tools/weather", **overrides})


env = make_env()
register("tools/weather", make_env)

if __name__ == "__main__":
    model = sys.argv[1] if len(sys.argv) > 1 else "embedded:smollm2-135m"
    iterations = int(sys.argv[2]) if len(sys.argv) > 2 else 6
    train({"name": "weather", "env": {"id": "tools/weather"},
           "policy": {"model": model, "lora": {"r": 8, "alpha": 16}},
           "rollout": {"group_size": 4, "sampling": {"max_new_tokens": 32},
                       "prompt": {"history": "full"}},
           "warm_start": {"steps": 8, "lr": 1e-3, "batch_size": 4},
           "optim": {"lr": 2e-4, "minibatch_size": 16, "micro_batch_size": 8},
           "trainer": {"iterations": iterations, "tasks_per_iteration": 4},
           "eval": {"split": "heldout", "num_tasks": 4}})
