"""Rules on what an env declares before any episode: its `EnvSpec` and its task splits."""

from __future__ import annotations

from agentrl.core.checks.context import CheckContext
from agentrl.core.types import STANDARD_SPLITS, EnvSpec, Task


def check_spec(ctx: CheckContext) -> list[str]:
    """`spec` is an EnvSpec with a non-empty id, max_turns >= 1 and unique named splits."""
    spec = getattr(ctx.env, "spec", None)
    if not isinstance(spec, EnvSpec):
        return [f"env.spec is {type(spec).__name__}; set it to an agentrl EnvSpec in __init__"]
    problems = []
    if not isinstance(spec.id, str) or not spec.id.strip():
        problems.append(f"spec.id is {spec.id!r}; give the registered id, e.g. 'toy/corridor'")
    if not isinstance(spec.max_turns, int) or spec.max_turns < 1:
        problems.append(f"spec.max_turns is {spec.max_turns!r}; it must be an int >= 1")
    splits = list(spec.splits)
    if not splits or any(not isinstance(s, str) or not s for s in splits):
        problems.append(f"spec.splits is {spec.splits!r}; list non-empty split names")
    elif len(set(splits)) != len(splits):
        problems.append(f"spec.splits {spec.splits!r} repeats a name; list each split once")
    missing = [s for s in STANDARD_SPLITS if s not in splits]
    if missing:
        ctx.warnings.append(f"spec.splits lacks {missing}; envs usually offer train/valid/heldout")
    return problems



def check_tasks(ctx: CheckContext) -> list[str]:
    """`tasks(split)` gives Tasks of this env and split, unique ids, the same on every call."""
    problems = []
    for split in ctx.env.spec.splits:
        tasks, again = list(ctx.env.tasks(split)), list(ctx.env.tasks(split))
        wrong = [t for t in tasks if not isinstance(t, Task)]
        if wrong:
            problems.append(f"tasks({split!r}) holds {type(wrong[0]).__name__}, not agentrl Task")
            continue
        if not tasks:
            ctx.warnings.append(f"tasks({split!r}) is empty")
        for task in tasks:
            if task.env_id != ctx.env.spec.id or task.split != split:
                problems.append(
                    f"tasks({split!r}) has task {task.id!r} with env_id={task.env_id!r}, "
                    f"split={task.split!r}; set env_id={ctx.env.spec.id!r}, split={split!r}"
                )
                break
        ids = [t.id for t in tasks]
        if len(set(ids)) != len(ids):
            dupes = sorted({i for i in ids if ids.count(i) > 1})[:5]
            problems.append(f"tasks({split!r}) repeats ids {dupes}; task ids must be unique")
        if [t.model_dump() for t in tasks] != [t.model_dump() for t in again]:
            problems.append(
                f"tasks({split!r}) differs between two calls; generate tasks from fixed seeds "
                "(agentrl.core.splits.split_seed) in a stable order"
            )
    return problems



def check_splits_disjoint(ctx: CheckContext) -> list[str]:
    """No task id appears in two splits."""
    seen: dict[str, str] = {}
    problems = []
    for split in ctx.env.spec.splits:
        for task in ctx.env.tasks(split):
            other = seen.setdefault(getattr(task, "id", repr(task)), split)
            if other != split:
                problems.append(
                    f"task id {task.id!r} is in splits {other!r} and {split!r}; "
                    "splits must be disjoint (held-out numbers are meaningless otherwise)"
                )
                return problems
    return problems
