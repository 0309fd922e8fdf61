"""Write the SWE family's generated tasks as Harbor task folders.

Each instance becomes ``<dest>/<instance_id>/``: the issue as ``instruction.md``, the buggy
repository in ``environment/workspace/`` (copied to ``/app`` by the Dockerfile, which builds
on agentrl's local sandbox image), ``tests/test.sh`` restoring the pristine test files and
running the instance's FAIL_TO_PASS and PASS_TO_PASS tests with pytest (reward 1 when all
pass), and ``solution/solve.sh`` applying the gold patch.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from agentrl.environments.swe.evaluate import is_test_file, task_files
from agentrl.environments.swe.generate import generated_instances

DOCKERFILE = ("# Built locally on agentrl's sandbox image; nothing is pulled.\n"
              "FROM agentrl-sandbox:latest\nCOPY workspace/ /app/\nWORKDIR /app\n")
TASK_TOML = """schema_version = "1.4"

[metadata]
source = "agentrl swe ({instance_id})"

[verifier]
timeout_sec = 120.0

[agent]
timeout_sec = 600.0

[environment]
build_timeout_sec = 300.0
memory_mb = 1024
"""


def _test_script(instance: dict[str, Any]) -> str:
    selected = " ".join(shlex.quote(t) for t in instance["FAIL_TO_PASS"] + instance["PASS_TO_PASS"])
    return ("#!/bin/bash\n# Restore the pristine tests, run the instance's tests; reward 1 when "
            "all pass.\ncd /app\ncp -R /tests/repo/. /app/\n"
            f"if python3 -m pytest -q -p no:cacheprovider {selected}; then\n"
            "  echo 1 > /logs/verifier/reward.txt\nelse\n"
            "  echo 0 > /logs/verifier/reward.txt\nfi\n")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def export_instance(instance: dict[str, Any], dest: str | Path) -> Path:
    """Write one SWE instance (a generated one, or one with ``repo_dir``) as a Harbor folder."""
    root = Path(dest) / instance["instance_id"]
    files = task_files(instance)
    for path, content in files.items():
        _write(root / "environment" / "workspace" / path, content)
        if is_test_file(path):
            _write(root / "tests" / "repo" / path, content)
    _write(root / "environment" / "Dockerfile", DOCKERFILE)
    _write(root / "instruction.md", instance["problem_statement"].strip() + "\n\nThe "
           "repository is in /app. Fix the library, not the tests.\n")
    _write(root / "task.toml", TASK_TOML.format(instance_id=instance["instance_id"]))
    _write(root / "tests" / "test.sh", _test_script(instance))
    _write(root / "solution" / "solve.sh", "#!/bin/bash\ncd /app\npatch -p1 --batch "
           f"<<'AGENTRL_PATCH'\n{instance['patch']}AGENTRL_PATCH\n")
    return root


def export_swe_tasks(dest: str | Path, *, max_tasks_per_project: int | None = 1,
                     instances: list[dict[str, Any]] | None = None) -> list[Path]:
    """Export SWE instances (default: the generated ones) under ``dest``; their folders."""
    chosen = instances if instances is not None else generated_instances(max_tasks_per_project)
    return [export_instance(instance, dest) for instance in chosen]
