"""Misbehaving stdio "MCP servers" for the tests: ``python mcp_bad_server.py MODE PIDFILE``.

Each mode first starts a grandchild (``sleep``) and writes ``<server pid> <grandchild pid>``
to PIDFILE, so a test can check that ending the server ends everything it started.

- ``garbage``: writes 1,000 lines that are not JSON-RPC, then keeps writing one a second
  and never reads its stdin (the server of issue 26 that was left orphaned).
- ``exit3``: writes a line to stderr and exits with code 3 at once.
- ``hang``: never answers and ignores SIGTERM (only SIGKILL ends it).
- ``crash``: a real MCP server (the ``mcp`` package's) whose tool ``crash`` kills the
  process mid-call (exit 7) and whose tool ``stall`` never answers in time.
- ``chatty``: a hand-written JSON-RPC server with one tool, ``echo``, that prints a debug
  line (not JSON-RPC) on stdout before each answer (the ``mcp`` package's own server
  diverts stray prints away from stdout, so it cannot show this).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time


def start_grandchild(pidfile: str) -> None:
    child = subprocess.Popen(["sleep", "300"])
    with open(pidfile, "w") as file:
        file.write(f"{os.getpid()} {child.pid}")


def garbage() -> None:
    for number in range(1000):
        print(f"garbage line {number}: <html>not json", flush=True)
    while True:
        print("more garbage", flush=True)
        time.sleep(1)


def chatty() -> None:
    tool = {"name": "echo", "description": "Return the text.", "inputSchema": {
        "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}}
    for line in sys.stdin:
        request = json.loads(line)
        if "id" not in request:
            continue  # a notification
        params = request.get("params", {})
        if request["method"] == "initialize":
            result = {"protocolVersion": params["protocolVersion"], "capabilities": {"tools": {}},
                      "serverInfo": {"name": "chatty", "version": "0"}}
        elif request["method"] == "tools/list":
            result = {"tools": [tool]}
        elif request["method"] == "tools/call":
            print(f"debug: echo got {params['arguments']}", flush=True)
            result = {"content": [{"type": "text", "text": params["arguments"]["text"]}],
                      "isError": False}
        else:
            result = {}
        print(json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": result}), flush=True)


def crash_server() -> None:
    try:  # mcp >= 2
        from mcp.server.mcpserver import MCPServer as Server
    except ModuleNotFoundError:  # mcp 1.x
        from mcp.server.fastmcp import FastMCP as Server

    server = Server("agentrl-crash")

    @server.tool()
    def echo(text: str) -> str:
        """Return the text."""
        return text

    @server.tool()
    async def stall() -> str:
        """Never answer (in time)."""
        await asyncio.sleep(300)
        return "late"

    @server.tool()
    def crash() -> str:
        """Kill the server in the middle of the call."""
        print("about to crash on purpose", file=sys.stderr, flush=True)
        os._exit(7)

    server.run("stdio")


if __name__ == "__main__":
    mode, pidfile = sys.argv[1], sys.argv[2]
    start_grandchild(pidfile)
    if mode == "garbage":
        garbage()
    elif mode == "exit3":
        print("cannot open the database", file=sys.stderr, flush=True)
        sys.exit(3)
    elif mode == "hang":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        time.sleep(300)
    elif mode == "chatty":
        chatty()
    elif mode == "crash":
        crash_server()
    else:
        sys.exit(f"unknown mode {mode!r}")
