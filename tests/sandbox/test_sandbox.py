"""The Sandbox API on every backend: exec, files, upload, reset, close, pool, errors."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from contextlib import nullcontext
from pathlib import Path

import pytest

from agentrl.core.env import EnvError
from agentrl.sandbox import Limits, Sandbox, SandboxError, SandboxPool, create
from agentrl.sandbox.base import relative_workdir_path
from agentrl.sandbox.hostdir import reap_orphans, sandbox_root


def test_exec_reports_exit_code_and_both_streams(sandbox: Sandbox) -> None:
    result = sandbox.exec("echo out; echo err >&2; exit 3")
    assert (result.exit_code, result.stdout, result.stderr) == (3, "out\n", "err\n")
    assert not result.timed_out and not result.truncated and not result.ok


def test_commands_start_in_the_workdir_and_see_written_files(sandbox: Sandbox) -> None:
    sandbox.write_file("pkg/mod.py", "VALUE = 41 + 1\n")
    result = sandbox.exec("python3 -c 'import pkg.mod as m; print(m.VALUE)'")
    assert result.stdout == "42\n", result.stderr
    sandbox.exec("printf 'made inside' > inside.txt")
    assert sandbox.read_file("inside.txt") == "made inside"
    assert sandbox.read_file("/workspace/inside.txt") == "made inside" or sandbox.backend == "local"


def test_private_tmp_is_writable(sandbox: Sandbox) -> None:
    result = sandbox.exec("echo scratch > /tmp/agentrl-note && cat /tmp/agentrl-note")
    assert result.stdout == "scratch\n", result.stderr
    if sandbox.backend == "local":
        __import__("os").remove("/tmp/agentrl-note")


def test_list_files_skips_symlinks(sandbox: Sandbox) -> None:
    sandbox.write_file("a/b.txt", "x")
    sandbox.exec("ln -s /etc/hostname link")
    assert sandbox.list_files() == ["a/b.txt"]


def test_read_of_a_missing_file_is_file_not_found(sandbox: Sandbox) -> None:
    with pytest.raises(FileNotFoundError):
        sandbox.read_file("nope.txt")


def test_upload_then_reset_empties_the_workdir(sandbox: Sandbox, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.txt").write_text("alpha")
    sandbox.upload(tmp_path)
    assert sandbox.exec("cat src/a.txt && echo more >> src/a.txt").stdout == "alpha"
    sandbox.reset()
    assert sandbox.exec("ls -A").stdout == ""
    assert sandbox.exec("echo again > b.txt && cat b.txt").stdout == "again\n"


def test_timeout_stops_the_command_and_marks_the_result(sandbox: Sandbox) -> None:
    result = sandbox.exec("sleep 300; echo finished", timeout=1)
    assert result.timed_out and "finished" not in result.stdout


def test_close_is_idempotent_and_removes_the_host_folder(backend: str, limits: dict) -> None:
    with pytest.warns(RuntimeWarning) if backend == "local" else nullcontext():
        box = create(backend, **limits)
    root = box.root  # type: ignore[attr-defined]
    box.exec("echo x > f")
    box.close()
    box.close()
    assert not root.exists()
    with pytest.raises(SandboxError, match="closed"):
        box.exec("true")


def test_python_and_pytest_are_available_inside(sandbox: Sandbox) -> None:
    sandbox.write_file("test_one.py", "def test_ok():\n    assert 1 + 1 == 2\n")
    result = sandbox.exec("python3 -m pytest -q -p no:cacheprovider test_one.py", timeout=300)
    assert result.exit_code == 0 and "1 passed" in result.stdout, result.stdout + result.stderr


def test_paths_are_normalised_relative_to_the_workdir() -> None:
    assert relative_workdir_path("./a/../b.py") == "b.py"
    assert relative_workdir_path("/workspace/x/y") == "x/y"
    for bad in ("../x", "/etc/passwd", "a/../../x"):
        with pytest.raises(PermissionError):
            relative_workdir_path(bad)


def test_create_names_unknown_backends_and_limits() -> None:
    with pytest.raises(ValueError, match="backends: bwrap, docker, local"):
        create("firecracker")
    with pytest.raises(TypeError, match="unknown sandbox limit.*memroy_mb"):
        create("bwrap", memroy_mb=10)
    with pytest.raises(ValueError, match="must be positive"):
        Limits.from_kwargs(memory_mb=0)


def test_pool_reuses_a_warm_sandbox_after_resetting_it(limits: dict) -> None:
    with SandboxPool("bwrap", size=2, **limits) as pool:
        first = pool.acquire()
        first.write_file("left.txt", "from episode 1")
        pool.release(first)
        second = pool.acquire()
        assert second is first and pool.started == 1
        assert second.exec("ls -A").stdout == ""
        pool.release(second)
    assert first.closed


def test_orphaned_folder_of_a_crashed_process_is_reaped(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import os
        from agentrl.sandbox import create
        box = create("bwrap")
        print(box.root, flush=True)
        os._exit(1)  # crash without closing
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    orphan = Path(out.stdout.strip())
    assert orphan.exists() and orphan.parent == sandbox_root()
    assert orphan in reap_orphans()
    assert not orphan.exists()


@pytest.mark.slow
def test_orphaned_container_of_a_crashed_process_is_reaped(require_docker: None) -> None:
    from agentrl.sandbox.docker_backend import docker_client, reap_orphan_containers

    script = textwrap.dedent(
        """
        import os
        from agentrl.sandbox import create
        box = create("docker")
        print(box.container.name, flush=True)
        os._exit(1)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    name = out.stdout.strip()
    assert name, out.stderr
    client = docker_client()
    assert name in reap_orphan_containers(client)
    assert not client.containers.list(all=True, filters={"name": name})


def test_engine_down_is_an_env_error_not_a_silent_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("docker")
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/agentrl-test.sock")
    with pytest.raises(EnvError, match="no Docker engine answers"):
        create("docker")


def test_local_backend_warns_loudly() -> None:
    with pytest.warns(RuntimeWarning, match="NO isolation"):
        box = create("local")
    box.close()
    assert os.path.exists(sandbox_root())
