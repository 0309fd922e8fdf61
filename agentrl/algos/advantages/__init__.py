"""Built-in advantage estimators; importing this package registers them."""

from agentrl.algos.advantages import grpo  # noqa: F401
