"""`check_env` on every MiniWoB++ task the `miniwob` package ships (slow: ~5 s a task).

All tasks share the process's one Chromium (`browser.shared_browser`); each env opens and
closes only its own page. ``step_ms=5000`` keeps each scripted episode to 2-6 steps (the
task's own time limit still ends it); tiny splits keep the task lists short.
"""

import pytest

from agentrl.core.check_env import check_env
from agentrl.environments.miniwob import MiniWoBEnv, task_names

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("name", task_names())
def test_check_env_passes(name):
    env = MiniWoBEnv(name, step_ms=5000, split_sizes={"train": 3, "valid": 2, "heldout": 2})
    report = check_env(env, max_episodes=1)
    assert report.ok, str(report)
