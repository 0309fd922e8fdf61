"""``tools/python``: arithmetic tasks solved with a calculator or sandboxed Python.

Parts: task generation and oracle (`tasks`), the env (`env`), the restricted evaluator
(`evaluator`). The reward is exact match of the integer answer (`agentrl.tools.rewards`).
"""

from agentrl.core.registry import register

register("tools/python", "agentrl.environments.calculator.env:PythonToolEnv")
