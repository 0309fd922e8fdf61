"""`check_env`: run an env through the episode API's contract and report every violation.

Like Gymnasium's ``utils.env_checker``, the checker is a list of small ``check_*``
functions, one rule each. Each returns the violations it found as sentences that say what is
wrong and what to change; an exception raised inside a check becomes a violation too, so one
run reports everything at once. Rules that are advice rather than contract (an empty split, a
malformed action accepted as valid) are reported as warnings and do not fail the check.

The rules live in `agentrl.core.checks`, one module per concern (the spec and splits,
episodes, determinism, JSON round trips, hostile actions, the runner); this module is their
public face.
"""

from __future__ import annotations

# The helpers stay importable from here, as before the split (tests use json_problem).
from agentrl.core.checks.context import (  # noqa: F401
    FALLBACK_ACTION,
    STEP_TIMEOUT_S,
    CheckContext,
    Episode,
    choose_action,
    describe,
    play_episode,
)
from agentrl.core.checks.determinism import check_reset_deterministic, check_state_key_stable  # noqa: F401
from agentrl.core.checks.episodes import (  # noqa: F401
    check_close_idempotent,
    check_episode_runs,
    check_reset_returns_observation,
    check_step_after_end,
    check_step_types,
    check_terminates_within_max_turns,
    observation_problems,
)
from agentrl.core.checks.hostile import (  # noqa: F401
    ECHO_ALLOWANCE,
    check_hostile_actions,
    hostile_step_problems,
    longest_ordinary_text,
    step_with_deadline,
)
from agentrl.core.checks.report import CheckReport, EnvCheckError
from agentrl.core.checks.round_trip import (  # noqa: F401
    JSON_TASKS_PER_SPLIT,
    check_json_round_trip,
    first_difference,
    json_problem,
    trajectory_of,
)
from agentrl.core.checks.runner import (  # noqa: F401
    CHECKS,
    CONSTRUCT_TIMEOUT_S,
    SPEC_DEPENDENT,
    check_env,
    check_env_target,
)
from agentrl.core.checks.spec import check_spec, check_splits_disjoint, check_tasks  # noqa: F401

__all__ = ["CHECKS", "CheckReport", "EnvCheckError", "check_env", "check_env_target"]
