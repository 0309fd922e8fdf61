"""`check_env` on MiniWoB++ tasks (slow: ~5 s a task).

By default it runs a fixed sample of 12 tasks, two from each category of
`agentrl.environments.miniwob.tasks.CATEGORIES` (and the default "click" group), so that CI
stays short. ``AGENTRL_MINIWOB_ALL=1`` runs it on every task the `miniwob` package ships
(125 tasks, 10-20 minutes)::

    AGENTRL_MINIWOB_ALL=1 python -m pytest tests/environments/miniwob/test_check_env.py

All tasks share the process's one Chromium (`browser.shared_browser`); each env opens and
closes only its own page. ``step_ms=5000`` keeps each scripted episode to 2-6 steps (the
task's own time limit still ends it); tiny splits keep the task lists short.
"""

import os

import pytest

from agentrl.core.check_env import check_env
from agentrl.environments.miniwob import MiniWoBEnv, task_names
from agentrl.environments.miniwob.tasks import task_info

pytestmark = pytest.mark.slow

SAMPLE = [
    "click-button", "click-dialog",  # click
    "enter-text", "login-user",  # text-entry
    "click-checkboxes", "use-slider",  # widgets
    "drag-box", "highlight-text",  # mouse-drag
    "click-shape", "count-sides",  # visual
    "book-flight", "email-inbox",  # multi-page
]
ALL = os.environ.get("AGENTRL_MINIWOB_ALL") == "1"


def test_the_sample_spans_every_category_with_shipped_tasks():
    assert set(SAMPLE) <= set(task_names())
    categories = [task_info(name).category for name in SAMPLE]
    assert sorted(set(categories)) == sorted(
        {task_info(name).category for name in task_names()})
    assert all(categories.count(c) == 2 for c in categories)


@pytest.mark.parametrize("name", task_names() if ALL else SAMPLE)
def test_check_env_passes(name):
    env = MiniWoBEnv(name, step_ms=5000, split_sizes={"train": 3, "valid": 2, "heldout": 2})
    report = check_env(env, max_episodes=1)
    assert report.ok, str(report)
