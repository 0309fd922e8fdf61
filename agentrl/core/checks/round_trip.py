"""The JSON rule: every Task, Observation, StepResult and a Trajectory of them survives
``model_dump_json`` / ``model_validate_json`` unchanged; `json_problem` says where not."""

from __future__ import annotations

import warnings
from typing import Any

from pydantic import BaseModel

from agentrl.core.checks.context import CheckContext, Episode, describe
from agentrl.core.types import Observation, StepResult, Task, Trajectory, Turn

JSON_TASKS_PER_SPLIT = 50  # tasks per split round-tripped through JSON



def first_difference(before: Any, after: Any, path: str = "") -> str:
    """Where ``after`` first differs from ``before``, e.g. "['info']['pos'] (tuple -> list)"."""
    if isinstance(before, dict) and isinstance(after, dict):
        for key in before:
            if key not in after:
                return f"{path}[{key!r}] (key {type(key).__name__} lost)"
            if before[key] != after[key]:
                return first_difference(before[key], after[key], f"{path}[{key!r}]")
    if isinstance(before, (list, tuple)) and isinstance(after, (list, tuple)):
        if type(before) is type(after) and len(before) == len(after):
            for index, (b, a) in enumerate(zip(before, after, strict=True)):
                if b != a:
                    return first_difference(b, a, f"{path}[{index}]")
    return f"{path or 'the value'} ({type(before).__name__} -> {type(after).__name__})"



def json_problem(obj: Any, what: str) -> str | None:
    """Why ``obj`` does not round-trip losslessly through JSON, or None when it does."""
    if not isinstance(obj, BaseModel):
        return None  # a wrong type is reported by the type checks
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pydantic's serializer warnings mean data loss
            again = type(obj).model_validate_json(obj.model_dump_json())
    except Exception as error:
        return (
            f"{what} does not survive model_dump_json/model_validate_json "
            f"({describe(error)}); keep info and metadata to JSON types"
        )
    if again == obj:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        where = first_difference(obj.model_dump(), again.model_dump())
    return (
        f"{what} changes through a JSON round trip at {where}; keep info and metadata to "
        "JSON types: dict with str keys, list, str, int, float, bool, None"
    )



def check_json_round_trip(ctx: CheckContext) -> list[str]:
    """Every Task, Observation, StepResult (and a Trajectory of them) round-trips via JSON."""
    objects: list[tuple[Any, str]] = []
    for split in ctx.env.spec.splits:
        tasks = list(ctx.env.tasks(split))[:JSON_TASKS_PER_SPLIT]
        objects += [(task, f"task {getattr(task, 'id', '?')!r}") for task in tasks]
    for index, episode in enumerate(ctx.episodes()):
        objects.append((episode.first, f"reset() observation of episode {index}"))
        objects += [(s, f"step {t} of episode {index}") for t, s in enumerate(episode.steps, 1)]
    problems = [p for obj, what in objects if (p := json_problem(obj, what))]
    if problems:
        more = f" (and {len(problems) - 1} more objects)" if len(problems) > 1 else ""
        return [problems[0] + more]
    trajectory = trajectory_of(ctx.episodes()[0])
    if trajectory is None:
        return []
    problem = json_problem(trajectory, "a Trajectory of the first episode")
    return [problem] if problem else []



def trajectory_of(episode: Episode) -> Trajectory | None:
    """The `Trajectory` the runner would save for ``episode`` (None when types are wrong)."""
    if not isinstance(episode.task, Task) or not isinstance(episode.first, Observation):
        return None
    if not all(isinstance(s, StepResult) for s in episode.steps):
        return None
    seen = [episode.first] + [s.observation for s in episode.steps[:-1]]
    turns = [
        Turn(observation=o, action=a, reward=s.reward, info=s.info, state_key=o.state_key)
        for o, a, s in zip(seen, episode.actions, episode.steps, strict=True)
    ]
    return Trajectory(task=episode.task, turns=turns)
