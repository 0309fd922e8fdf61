"""Loading SWE-bench / SWE-Gym style JSONL instances, and turning instances into Tasks.

A line holds at least ``instance_id``, ``repo``, ``problem_statement``, ``FAIL_TO_PASS`` and
``PASS_TO_PASS`` (lists, or JSON strings of lists as in the SWE-bench dataset), usually also
``base_commit``, ``patch`` (gold) and ``test_patch``. The repository itself is a checkout at
``base_commit`` that the user provides: ``<repos_dir>/<instance_id>`` or
``<repos_dir>/<owner>__<name>``. An optional ``test_cmd`` field overrides the default
``python3 -m pytest -rA`` test command.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from agentrl.core.types import Task

REQUIRED_FIELDS = ("instance_id", "repo", "problem_statement", "FAIL_TO_PASS", "PASS_TO_PASS")


def _test_list(value: Any, field: str, instance_id: str) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as error:
            raise ValueError(f"{instance_id}: {field} is not a JSON list: {error}") from error
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError(f"{instance_id}: {field} must be a list of test ids")
    return value


def normalise_instance(raw: dict[str, Any], where: str = "") -> dict[str, Any]:
    """Check the required fields and decode the test lists; `ValueError` names what's wrong."""
    missing = [field for field in REQUIRED_FIELDS if field not in raw]
    if missing:
        raise ValueError(f"{where}instance lacks field(s) {', '.join(missing)}")
    instance = dict(raw)
    for field in ("FAIL_TO_PASS", "PASS_TO_PASS"):
        instance[field] = _test_list(raw[field], field, raw["instance_id"])
    instance.setdefault("test_patch", "")
    instance.setdefault("patch", "")
    return instance


def find_checkout(instance: dict[str, Any], repos_dir: Path) -> Path:
    """The user's checkout of ``instance``'s repository under ``repos_dir``."""
    candidates = [
        repos_dir / instance["instance_id"],
        repos_dir / instance["repo"].replace("/", "__"),
    ]
    for path in candidates:
        if path.is_dir():
            return path
    raise FileNotFoundError(
        f"{instance['instance_id']}: no repository checkout at "
        f"{' or '.join(str(p) for p in candidates)}; check out {instance['repo']} at "
        f"{instance.get('base_commit', 'its base commit')} there"
    )


def load_instances(path: Path | str, repos_dir: Path | str | None = None) -> list[dict[str, Any]]:
    """Instances of a JSONL file, each with ``repo_dir`` set to its checkout."""
    path = Path(path)
    root = Path(repos_dir) if repos_dir is not None else path.parent / "repos"
    instances = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        instance = normalise_instance(json.loads(line), where=f"{path}:{number}: ")
        instance["repo_dir"] = str(find_checkout(instance, root).resolve())
        instances.append(instance)
    return instances


def instance_to_task(
    instance: dict[str, Any], env_id: str = "swe", split: str | None = None
) -> Task:
    """A `Task` holding the whole instance in its metadata (JSON-safe)."""
    return Task(
        id=instance["instance_id"],
        env_id=env_id,
        split=split or instance.get("split", "train"),
        instruction=instance["problem_statement"],
        metadata={"instance": instance, "category": project_of(instance)},
    )


def project_of(instance: dict[str, Any]) -> str:
    """The instance's project, its category: ``repo`` without the generated tasks'
    ``agentrl-projects/`` owner (SWE-bench's own, e.g. ``django/django``, kept whole)."""
    return str(instance.get("repo", "unknown")).removeprefix("agentrl-projects/")
