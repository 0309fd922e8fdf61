"""MCP servers that misbehave (issue 26) are always ended, fail within their limit once, and
say so in one line naming the command, the limit or the exit code.

The servers are real processes (``mcp_bad_server.py``: garbage on stdout, exit 3 at once, a
hang that ignores SIGTERM, a real MCP server that crashes mid-call); each starts a
grandchild ``sleep`` and writes both pids to a file, so a test can check that the whole
process group is gone afterwards. Clients that exit run in a subprocess of their own, so
their stderr and their exit are the real ones.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("mcp")
psutil = pytest.importorskip("psutil")

from agentrl.core.types import Task  # noqa: E402
from agentrl.tools import ToolEnv, ToolExecutionError, mcp_tools  # noqa: E402
from agentrl.tools.mcp import MCPServerError  # noqa: E402

BAD = Path(__file__).with_name("mcp_bad_server.py")
DEMO = Path(__file__).with_name("mcp_demo_server.py")


def running(pid: int) -> bool:
    """Whether ``pid`` still runs (a zombie waiting to be reaped is dead)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def gone(pids: list[int], within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while any(running(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(running(pid) for pid in pids)


def pids_of(pidfile: Path) -> list[int]:
    deadline = time.monotonic() + 10
    while not pidfile.exists() or not pidfile.read_text().strip():
        assert time.monotonic() < deadline, "the server never wrote its pids"
        time.sleep(0.05)
    return [int(p) for p in pidfile.read_text().split()]


def client(body: str, tmp_path: Path) -> tuple[dict, list[str]]:
    """Run ``body`` as a client script in a fresh Python; its JSON stdout and stderr lines."""
    script = tmp_path / "client.py"
    script.write_text("import json, sys, time\nfrom agentrl.tools import mcp_tools\n"
                      f"BAD, DEMO = {str(BAD)!r}, {str(DEMO)!r}\n" + textwrap.dedent(body))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), [line for line in done.stderr.splitlines() if line]


START_FAILURE = """
    t0 = time.monotonic()
    try:
        mcp_tools([sys.executable, BAD, {mode!r}, "pids"], timeout={timeout})
        message = None
    except Exception as error:
        message = f"{{type(error).__name__}}: {{error}}"
    print(json.dumps({{"message": message, "seconds": time.monotonic() - t0}}))
"""


def start_failure(mode: str, timeout: float, tmp_path: Path) -> tuple[str, float, list[str]]:
    out, stderr = client(START_FAILURE.format(mode=mode, timeout=timeout), tmp_path)
    assert out["message"] is not None, "the server should not have started"
    assert gone(pids_of(tmp_path / "pids")), "the server or its grandchild outlived the failure"
    assert not any("Traceback" in line for line in stderr), stderr
    return out["message"], out["seconds"], stderr


def test_a_server_printing_garbage_is_killed_with_one_line(tmp_path: Path) -> None:
    message, seconds, stderr = start_failure("garbage", 20, tmp_path)
    assert message.startswith(f"MCPServerError: MCP server '{sys.executable} {BAD} garbage")
    assert "failed to start: it wrote 100 stdout line(s) that are not JSON-RPC" in message
    assert "(the first: 'garbage line 0: <html>not json')" in message
    assert "stopped it" in message
    assert seconds < 20  # it does not wait out the limit: 100 bad lines are enough
    assert stderr == []  # the error is the exception; no log line per bad line


def test_a_server_exiting_at_start_names_its_exit_code(tmp_path: Path) -> None:
    message, seconds, stderr = start_failure("exit3", 30, tmp_path)
    assert message.endswith("failed to start: it exited with code 3; its stderr ended "
                            "with: 'cannot open the database'")
    assert f"{BAD} exit3 pids" in message
    assert seconds < 30 and stderr == []  # the exit is noticed, the limit not waited out


def test_a_hanging_server_takes_the_timeout_once_and_is_killed(tmp_path: Path) -> None:
    message, seconds, stderr = start_failure("hang", 3, tmp_path)  # ignores SIGTERM
    assert message.endswith("failed to start: no answer to initialize within timeout=3 s; "
                            "stopped it")
    assert 3 <= seconds < 2 * 3  # once the limit, not twice (loose: a busy machine)
    assert stderr == []


def test_a_command_that_cannot_run_is_named(tmp_path: Path) -> None:
    missing = str(tmp_path / "no-such-server")
    with pytest.raises(MCPServerError) as caught:
        mcp_tools([missing, "--stdio"], timeout=5)
    assert str(caught.value).startswith(f"MCP server '{missing} --stdio' failed to start: "
                                        "could not run it: [Errno 2] No such file")


def test_stray_stdout_lines_are_warned_about_once(tmp_path: Path, caplog) -> None:
    with mcp_tools([sys.executable, str(BAD), "chatty", str(tmp_path / "pids")],
                   timeout=20) as tools:
        with caplog.at_level(logging.WARNING, logger="agentrl.tools.mcp"):
            assert [tools[0](text=t) for t in ("a", "b", "c")] == ["a", "b", "c"]
    warnings = [r.getMessage() for r in caplog.records if r.name == "agentrl.tools.mcp"]
    assert len(warnings) == 1  # once, then counted
    assert warnings[0] == (
        f"MCP server '{sys.executable} {BAD} chatty {tmp_path / 'pids'}': it wrote 1 stdout "
        "line(s) that are not JSON-RPC (the first: \"debug: echo got {'text': 'a'}\"); "
        "ignored (more are counted, up to 100)")
    assert gone(pids_of(tmp_path / "pids"))


def test_a_crash_mid_call_is_an_observation_and_ends_the_group(tmp_path: Path) -> None:
    tools = mcp_tools([sys.executable, str(BAD), "crash", str(tmp_path / "pids")], timeout=20)
    pids = pids_of(tmp_path / "pids")
    assert tools.connection.pid == pids[0]
    task = Task(id="c", env_id="tools/mcp", instruction="crash it")
    env = ToolEnv(tools=tools, tasks=[task], env_id="tools/mcp")
    env.reset(task)
    call = '<tool_call>{{"name": "{}", "arguments": {}}}</tool_call>'
    assert env.step(call.format("echo", '{"text": "a"}')).observation.text == "a"
    t0 = time.monotonic()
    crashed = env.step(call.format("crash", "{}"))
    assert time.monotonic() - t0 < 20  # the exit is noticed, the call limit not waited out
    assert crashed.info["action_valid"] is False
    assert crashed.observation.text == (
        f"Tool 'crash' failed: ToolExecutionError: MCP server '{sys.executable} {BAD} crash "
        f"{tmp_path / 'pids'}' failed during the call to tool 'crash': it exited with code 7; "
        "its stderr ended with: 'about to crash on purpose'")
    assert gone(pids)  # the grandchild too: the group was killed when the leader died
    after = env.step(call.format("echo", '{"text": "x"}')).observation.text
    assert after.endswith("is not running: it exited with code 7; its stderr ended with: "
                          "'about to crash on purpose'")
    tools.close()
    env.close()


def test_a_call_past_the_limit_names_tool_and_limit(tmp_path: Path) -> None:
    with mcp_tools([sys.executable, str(BAD), "crash", str(tmp_path / "pids")],
                   timeout=8) as tools:
        by_name = {tool.name: tool for tool in tools}
        t0 = time.monotonic()
        with pytest.raises(ToolExecutionError) as caught:
            by_name["stall"]()
        assert 8 <= time.monotonic() - t0 < 16
        assert str(caught.value) == (f"MCP server '{sys.executable} {BAD} crash "
                                     f"{tmp_path / 'pids'}' did not answer the call to tool "
                                     "'stall' within timeout=8 s")
        assert by_name["echo"](text="still here") == "still here"
    assert gone(pids_of(tmp_path / "pids"))


def test_close_ends_the_server_and_its_children(tmp_path: Path) -> None:
    tools = mcp_tools([sys.executable, str(BAD), "crash", str(tmp_path / "pids")], timeout=20)
    pids = pids_of(tmp_path / "pids")
    assert all(running(pid) for pid in pids)
    t0 = time.monotonic()
    tools.close()
    assert time.monotonic() - t0 < 8  # stdin closed, grace, SIGTERM, SIGKILL: all bounded
    assert gone(pids, within=0.5)


EXIT_WITHOUT_CLOSE = """
    tools = mcp_tools([sys.executable, {server}], timeout=30)
    assert tools[0].name
    print(json.dumps({{"pid": tools.connection.pid}}))
    sys.exit(0)  # no close(): the finalizer must end the server
"""


def test_a_working_server_ends_when_the_client_exits_without_close(tmp_path: Path) -> None:
    out, stderr = client(EXIT_WITHOUT_CLOSE.format(server="DEMO"), tmp_path)
    assert gone([out["pid"]])
    assert stderr == []
    out, stderr = client(EXIT_WITHOUT_CLOSE.format(server='BAD, "crash", "pids"'), tmp_path)
    assert gone(pids_of(tmp_path / "pids")) and stderr == []  # the grandchild too
