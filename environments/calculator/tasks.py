"""Generated arithmetic tasks: expressions with large operands, so a tool is worth calling.

Task ``index`` of a split is drawn from `agentrl.core.splits.split_seed`, so splits are
deterministic and disjoint. The ground truth is the exact integer value as text.
"""

from __future__ import annotations

import json
import random

from agentrl.core.splits import split_seed
from agentrl.core.types import Task
from agentrl.environments.calculator.evaluator import evaluate

ENV_ID = "tools/python"


def make_task(split: str, index: int) -> Task:
    """Task ``index`` of ``split``: ``(a * b - c) // d`` style with 3-5 digit numbers."""
    rng = random.Random(split_seed("calculator", split, index))
    a, b, c = rng.randint(100, 99_999), rng.randint(100, 9_999), rng.randint(1, 99_999)
    d = rng.randint(2, 97)
    expression = rng.choice([f"{a} * {b} - {c}", f"({a} + {c}) * {b}", f"({a} * {b} + {c}) // {d}"])
    return Task(
        id=f"calc-{split}-{index}",
        env_id=ENV_ID,
        split=split,
        instruction=f"Compute {expression}. Give the exact integer.",
        ground_truth=str(evaluate(expression)),
        metadata={"expression": expression},
    )


def generate_tasks(split: str, count: int) -> list[Task]:
    """The first ``count`` tasks of ``split``."""
    return [make_task(split, index) for index in range(count)]


def oracle_replies(task: Task) -> list[str]:
    """The oracle: one calculator call on the task's expression, then the answer."""
    expression = task.metadata["expression"]
    call = json.dumps({"name": "calculator", "arguments": {"expression": expression}})
    return [f"<tool_call>{call}</tool_call>", f"<answer>{task.ground_truth}</answer>"]
