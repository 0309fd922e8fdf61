"""Building a task's repository and running its hidden tests inside the sandbox."""

from __future__ import annotations

import re
import shlex
import tempfile
from pathlib import Path
from typing import Any

from agentrl.core.env import EnvError
from agentrl.environments.swe.mutate import Mutation, apply_mutation
from agentrl.environments.swe.repo import project_files, read_tree, write_tree
from agentrl.environments.swe.reward import is_resolved, parse_pytest_summary
from agentrl.sandbox import Sandbox

PYTEST = "python3 -m pytest -rA -q --tb=short -p no:cacheprovider"
_TEST_FILE = re.compile(r"(^|/)(tests?/|test_[^/]*\.py$|[^/]*_test\.py$|conftest\.py$)")


def task_files(instance: dict[str, Any]) -> dict[str, str]:
    """The buggy repository of ``instance`` as {path: content}."""
    if "repo_dir" in instance:
        return read_tree(Path(instance["repo_dir"]))
    if "project" not in instance or "mutation" not in instance:
        raise EnvError(f"{instance['instance_id']}: neither a repo_dir nor a generated project")
    files = project_files(instance["project"])
    mutation = Mutation(**instance["mutation"])
    files[mutation.file] = apply_mutation(files[mutation.file], mutation)
    return files


def upload_files(sandbox: Sandbox, files: dict[str, str]) -> None:
    """Put ``files`` into the (empty) sandbox workdir."""
    with tempfile.TemporaryDirectory(prefix="agentrl-swe-repo-") as folder:
        write_tree(files, Path(folder))
        sandbox.upload(Path(folder))


def is_test_file(path: str) -> bool:
    """Whether ``path`` belongs to the test suite (restored before the hidden tests run)."""
    return bool(_TEST_FILE.search(path))


def test_command(instance: dict[str, Any]) -> str:
    """The command running the instance's FAIL_TO_PASS and PASS_TO_PASS tests."""
    if instance.get("test_cmd"):
        return str(instance["test_cmd"])
    tests = instance["FAIL_TO_PASS"] + instance["PASS_TO_PASS"]
    files = sorted({test.split("::", 1)[0] for test in tests})
    return f"{PYTEST} {' '.join(shlex.quote(f) for f in files)}"


def run_tests(sandbox: Sandbox, command: str, timeout: float) -> dict[str, str]:
    """{test id: status} of ``command`` run in the sandbox (empty on a timeout)."""
    result = sandbox.exec(command, timeout=timeout)
    return {} if result.timed_out else parse_pytest_summary(result.stdout)


def targeted_tests_pass(sandbox: Sandbox, instance: dict[str, Any], timeout: float) -> bool:
    """Whether the FAIL_TO_PASS tests pass on the current workdir (a step reward)."""
    failing = instance["FAIL_TO_PASS"]
    command = f"{PYTEST} {' '.join(shlex.quote(t) for t in failing)}"
    statuses = run_tests(sandbox, command, timeout)
    return is_resolved(statuses, failing, [])


def evaluate_submission(
    sandbox: Sandbox, instance: dict[str, Any], pristine: dict[str, str], timeout: float
) -> tuple[bool, dict[str, str]]:
    """Restore the test files, apply ``test_patch``, run the hidden tests: (resolved, statuses)."""
    for path, content in pristine.items():
        if is_test_file(path):
            sandbox.write_file(path, content)
    if instance.get("test_patch", "").strip():
        sandbox.write_file(".agentrl_test.patch", instance["test_patch"])
        applied = sandbox.exec("patch -p1 --forward --batch < .agentrl_test.patch", timeout=60)
        sandbox.exec("rm -f .agentrl_test.patch")
        if applied.exit_code != 0:
            return False, {}
    statuses = run_tests(sandbox, test_command(instance), timeout)
    return is_resolved(statuses, instance["FAIL_TO_PASS"], instance["PASS_TO_PASS"]), statuses
