"""Offline generation of real bug-fix tasks from the shipped projects, in SWE-bench format.

For each project: run its tests on the clean code, inject each candidate single-token bug
(`agentrl.environments.swe.mutate`), rerun the tests, and keep the bugs that make some
passing test fail. FAIL_TO_PASS are the tests the bug breaks, PASS_TO_PASS the ones it
leaves passing; the gold ``patch`` reverses the bug; the issue text is written from the
failure. Results are cached as JSONL under ``cache_dir("swe")``.
"""

from __future__ import annotations

import ast
import json
import os
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tqdm import tqdm

from agentrl.core.splits import cache_dir, stable_hash
from agentrl.environments.swe.mutate import Mutation, apply_mutation, find_mutations
from agentrl.environments.swe.repo import (
    fingerprint,
    list_projects,
    project_files,
    unified_diff,
    write_tree,
)

GENERATOR_VERSION = 1
TEST_TIMEOUT_S = 20.0
_SUMMARY = re.compile(r"^(PASSED|FAILED|ERROR) (\S+?)(?: - (.*))?$")


def run_pytest(
    repo: Path, timeout: float = TEST_TIMEOUT_S
) -> tuple[dict[str, str], dict[str, str]]:
    """Run a trusted repo's tests on the host: ({test id: status}, {test id: failure line})."""
    try:
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-rA", "-q", "--tb=short", "-p", "no:cacheprovider"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "COLUMNS": "300", "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except subprocess.TimeoutExpired:
        return {}, {}
    return parse_summary(result.stdout)


def parse_summary(stdout: str) -> tuple[dict[str, str], dict[str, str]]:
    """Statuses and failure messages from pytest's ``-rA`` short test summary."""
    statuses, messages = {}, {}
    for line in stdout.splitlines():
        match = _SUMMARY.match(line.strip())
        if match:
            status, test_id, message = match.groups()
            statuses[test_id] = status
            if message:
                messages[test_id] = message
    return statuses, messages


def _test_source(files: dict[str, str], test_id: str) -> str:
    path, _, name = test_id.partition("::")
    tree = ast.parse(files.get(path, ""))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(files[path], node) or ""
    return ""


def write_issue(project: str, files: dict[str, str], failing: list[str], messages: dict) -> str:
    """An issue report in a user's words, written from the first failing test."""
    first = failing[0]
    name = first.partition("::")[2]
    lines = [
        f"{project}: `{name.removeprefix('test_').replace('_', ' ')}` is broken",
        "",
        f"After updating `{project}`, this check from the test suite fails:",
        "",
        "```python",
        _test_source(files, first),
        "```",
        "",
        f"Error: `{messages.get(first, 'the test fails')}`",
    ]
    if len(failing) > 1:
        lines += ["", f"{len(failing) - 1} other test(s) fail as well."]
    lines += ["", "The tests are right; please fix the library code."]
    return "\n".join(lines)


def _instance(
    project: str,
    files: dict[str, str],
    mutation: Mutation,
    index: int,
    failing: list[str],
    passing: list[str],
    messages: dict,
) -> dict[str, Any]:
    buggy = dict(files)
    buggy[mutation.file] = apply_mutation(files[mutation.file], mutation)
    return {
        "instance_id": f"{project}__bug-{index:04d}",
        "repo": f"agentrl-projects/{project}",
        "base_commit": fingerprint(buggy)[:12],
        "problem_statement": write_issue(project, files, failing, messages),
        "patch": unified_diff(buggy, files),
        "test_patch": "",
        "FAIL_TO_PASS": failing,
        "PASS_TO_PASS": passing,
        "hints_text": "",
        "version": f"v{GENERATOR_VERSION}",
        "project": project,
        "mutation": mutation.to_dict(),
    }


def generate_project(project: str, max_tasks: int | None = None, seed: int = 0) -> list[dict]:
    """Bug-fix instances of one project (at most ``max_tasks``), deterministic in ``seed``."""
    files = project_files(project)
    with tempfile.TemporaryDirectory(prefix="agentrl-swe-gen-") as folder:
        repo = Path(folder)
        write_tree(files, repo)
        baseline, _ = run_pytest(repo)
        passed = sorted(t for t, s in baseline.items() if s == "PASSED")
        if not passed:
            raise RuntimeError(f"project {project!r}: no test passes on the clean code")
        candidates = [
            m
            for path, text in files.items()
            if path.endswith(".py") and not path.startswith("tests/")
            for m in find_mutations(path, text)
        ]
        random.Random(stable_hash(f"{project}/{seed}")).shuffle(candidates)
        instances: list[dict] = []
        for mutation in tqdm(candidates, desc=f"swe tasks from {project}", leave=False):
            if max_tasks is not None and len(instances) >= max_tasks:
                break
            write_tree({mutation.file: apply_mutation(files[mutation.file], mutation)}, repo)
            statuses, messages = run_pytest(repo)
            write_tree({mutation.file: files[mutation.file]}, repo)
            failing = [t for t in passed if statuses.get(t) != "PASSED"]
            if failing and statuses:  # no statuses: a hang; not a fair task
                keep = [t for t in passed if t not in failing]
                instances.append(
                    _instance(project, files, mutation, len(instances), failing, keep, messages)
                )
    return instances


def assign_split(instance_id: str) -> str:
    """Deterministic split of an instance: 60% train, 20% valid, 20% heldout."""
    bucket = stable_hash(f"swe/{instance_id}") % 10
    return "train" if bucket < 6 else "valid" if bucket < 8 else "heldout"


def generated_instances(max_tasks_per_project: int | None = None, seed: int = 0) -> list[dict]:
    """Every project's instances, generated once and cached as JSONL."""
    source = fingerprint({p: fingerprint(project_files(p)) for p in list_projects()})[:12]
    cap = "all" if max_tasks_per_project is None else str(max_tasks_per_project)
    path = cache_dir("swe") / f"generated-v{GENERATOR_VERSION}-{source}-{cap}-{seed}.jsonl"
    if path.exists():
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    instances = [
        instance
        for project in list_projects()
        for instance in generate_project(project, max_tasks_per_project, seed)
    ]
    for instance in instances:
        instance["split"] = assign_split(instance["instance_id"])
    tmp = path.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(i, sort_keys=True) + "\n" for i in instances))
    tmp.replace(path)
    return instances
