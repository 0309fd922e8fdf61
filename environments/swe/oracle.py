"""The oracle: undo the injected bug with one edit, then submit (scores 1)."""

from __future__ import annotations

from agentrl.core.types import Task
from agentrl.environments.swe.actions import Action, to_text_action, to_tool_call
from agentrl.environments.swe.mutate import Mutation, reverse_edit
from agentrl.environments.swe.repo import project_files


def oracle_plan(task: Task) -> list[Action]:
    """The actions that solve ``task``.

    Generated tasks: a str_replace reversing the mutation. Loaded instances: apply the gold
    ``patch`` with ``patch -p1`` through bash.
    """
    instance = task.metadata["instance"]
    if "mutation" in instance:
        mutation = Mutation(**instance["mutation"])
        original = project_files(instance["project"])[mutation.file]
        search, replace = reverse_edit(original, mutation)
        edit = Action("str_replace", {"path": mutation.file, "old_str": search, "new_str": replace})
    else:
        patch = instance["patch"]
        edit = Action("bash", {"command": f"patch -p1 --batch <<'AGENTRL_EOF'\n{patch}AGENTRL_EOF"})
    return [edit, Action("submit")]


def oracle_actions(task: Task, tool_calls: bool = False) -> list[str]:
    """`oracle_plan` written as the env expects its actions."""
    write = to_tool_call if tool_calls else to_text_action
    return [write(action) for action in oracle_plan(task)]
