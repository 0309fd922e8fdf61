"""Task sets for tool envs from JSONL files, Hugging Face ``datasets`` files, or records.

A record is either a full `Task` (it has ``instruction``) or a question/answer pair; the
keys are configurable (``question_key``, ``answer_key``). A record without a split is put in
one deterministically from its id (``fractions``, 80/10/10 train/valid/heldout by default),
so a plain list of questions still gets stable splits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from agentrl.core.splits import stable_hash
from agentrl.core.types import Task

DEFAULT_FRACTIONS = {"train": 0.8, "valid": 0.1, "heldout": 0.1}


def assign_split(task_id: str, fractions: Mapping[str, float] = DEFAULT_FRACTIONS) -> str:
    """The split of ``task_id``: a stable hash of the id placed on the cumulative fractions."""
    total = sum(fractions.values())
    point = stable_hash(task_id) % 1_000_000 / 1_000_000 * total
    cumulative = 0.0
    for split, fraction in fractions.items():
        cumulative += fraction
        if point < cumulative:
            return split
    return next(reversed(list(fractions)))


def task_from_record(
    record: Mapping[str, Any],
    index: int,
    *,
    env_id: str = "tools/custom",
    question_key: str = "question",
    answer_key: str = "answer",
    fractions: Mapping[str, float] = DEFAULT_FRACTIONS,
) -> Task:
    """Build a `Task` from one record (a `Task` dict or a question/answer pair)."""
    if "instruction" in record:
        return Task.model_validate({"env_id": env_id, **record})
    if question_key not in record:
        raise ValueError(
            f"record {index} has neither 'instruction' nor {question_key!r}: keys are "
            f"{sorted(record)}; pass question_key=... to name the question field"
        )
    answer = record.get(answer_key)
    aliases: list[str] = []
    if isinstance(answer, list):  # several accepted answers (e.g. NQ, TriviaQA)
        answer, aliases = (str(answer[0]), [str(a) for a in answer[1:]]) if answer else (None, [])
    task_id = str(record.get("id", f"{env_id}-{index}"))
    used = {question_key, answer_key, "id", "split"}
    metadata = {key: value for key, value in record.items() if key not in used}
    if aliases:
        metadata["aliases"] = aliases
    return Task(
        id=task_id,
        env_id=env_id,
        split=str(record.get("split") or assign_split(task_id, fractions)),
        instruction=str(record[question_key]),
        ground_truth=None if answer is None else str(answer),
        metadata=metadata,
    )


def tasks_from_records(records: Iterable[Mapping[str, Any]], **options: Any) -> list[Task]:
    """`task_from_record` over ``records`` (options as there)."""
    return [task_from_record(record, index, **options) for index, record in enumerate(records)]


def load_jsonl(path: str | Path, **options: Any) -> list[Task]:
    """Tasks from a JSONL file, one record per line (options as `task_from_record`)."""
    path = Path(path)
    records = []
    with path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{line_number}: not valid JSON ({error})") from None
    return tasks_from_records(records, **options)


def load_dataset_tasks(
    path: str | Path, *, split: str = "train", data_format: str | None = None, **options: Any
) -> list[Task]:
    """Tasks from a Hugging Face ``datasets`` source on disk.

    ``path`` is a folder written by ``Dataset.save_to_disk`` or a data file (``.json``,
    ``.jsonl``, ``.csv``, ``.parquet``; ``data_format`` overrides the guess from the suffix).
    ``split`` names the dataset split to read; the tasks' own splits come from the records.
    Needs ``pip install datasets`` (the ``agentrl[tools]`` extra).
    """
    try:
        import datasets
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "loading tasks with Hugging Face datasets needs the 'datasets' package: "
            "pip install datasets (or agentrl[tools]); JSONL files load without it via "
            "load_jsonl"
        ) from None
    path = Path(path)
    if path.is_dir():
        loaded = datasets.load_from_disk(str(path))
        data = loaded[split] if isinstance(loaded, datasets.DatasetDict) else loaded
    else:
        suffix = data_format or {".jsonl": "json"}.get(path.suffix, path.suffix.lstrip("."))
        data = datasets.load_dataset(suffix, data_files={split: str(path)}, split=split)
    return tasks_from_records(data, **options)


TaskSource = (
    Sequence[Task] | Sequence[Mapping[str, Any]] | Mapping[str, Sequence[Task]] | str | Path
)


def resolve_tasks(source: TaskSource, *, env_id: str) -> list[Task]:
    """Turn what a user passes as ``tasks=`` into a list of `Task`.

    Accepts a list of `Task`, a list of records, ``{split: [Task or record, ...]}``, or a path to a
    JSONL file.
    """
    if isinstance(source, (str, Path)):
        return load_jsonl(source, env_id=env_id)
    if isinstance(source, Mapping):  # {split: [Task or record, ...]}
        return [
            task.model_copy(update={"split": split})
            for split, items in source.items()
            for task in resolve_tasks(
                [{**i, "split": split} if isinstance(i, Mapping) else i for i in items],
                env_id=env_id,
            )
        ]
    return [
        item if isinstance(item, Task) else task_from_record(item, index, env_id=env_id)
        for index, item in enumerate(source)
    ]
