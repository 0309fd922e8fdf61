"""Built-in advantage estimators; importing this package registers them."""

from agentrl.credit.advantages import (  # noqa: F401
    gae,
    gigpo,
    gigpo_placebo,
    grpo,
    igpo,
    reinforce_pp,
    rloo,
    salt,
    spa,
)
from agentrl.credit.advantages.gae import gae_returns
from agentrl.credit.advantages.requirements import (
    RequirementError,
    check_tasks,
    check_trajectories,
    requirements,
    unmet_requirements,
)

__all__ = [
    "RequirementError",
    "check_tasks",
    "check_trajectories",
    "gae_returns",
    "requirements",
    "unmet_requirements",
]
