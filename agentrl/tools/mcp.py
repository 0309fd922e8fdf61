"""MCP: any stdio MCP server's tools as agentrl `Tool` objects.

``mcp_tools(["python", "server.py"])`` starts the server as a subprocess, lists its tools
and returns them as a `MCPTools` list (a ``list[Tool]`` that can be closed and used as a
context manager). The async MCP client session lives on a private event loop running on a
daemon thread, so each tool is a plain sync function and `ToolEnv.step` stays sync; calls
from several threads at once are multiplexed over the one session. A server-side error
(unknown tool, arguments that fail the server's validation, a tool that raised) comes back
as `ToolExecutionError` carrying the server's message, which `ToolEnv` shows the agent.
Needs ``pip install mcp`` (the ``agentrl[tools]`` extra).
"""

from __future__ import annotations

import asyncio
import atexit
import json
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from agentrl.tools._loop import BackgroundLoop
from agentrl.tools.decorator import Tool, ToolExecutionError


def _require_mcp() -> Any:
    try:
        import mcp
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "mcp_tools needs the 'mcp' package: pip install mcp (or agentrl[tools])"
        ) from None
    return mcp


class MCPConnection:
    """One MCP server process and its client session, held open on a background loop."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str] | None = None,
        cwd: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        mcp = _require_mcp()
        self.command = list(command)
        self.timeout = timeout
        self._params = mcp.StdioServerParameters(
            command=self.command[0], args=self.command[1:], env=dict(env or {}), cwd=cwd
        )
        self._loop = BackgroundLoop(name="agentrl-mcp-loop")
        self._ready: asyncio.Future[Any] | None = None
        self._stop: asyncio.Event | None = None
        self._runner: asyncio.Future[Any] | None = None
        self.session: Any = None
        try:
            self._loop.run(self._start(), timeout=timeout)
        except BaseException:
            self.close()
            raise
        atexit.register(self.close)

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        self._ready = loop.create_future()
        self._stop = asyncio.Event()
        self._runner = asyncio.ensure_future(self._serve())
        await self._ready

    async def _serve(self) -> None:
        """Hold the stdio client and session open until `close` sets the stop event."""
        mcp = _require_mcp()
        assert self._ready is not None and self._stop is not None
        try:
            async with mcp.stdio_client(self._params) as (read, write):
                async with mcp.ClientSession(read, write) as session:
                    await session.initialize()
                    self.session = session
                    self._ready.set_result(None)
                    await self._stop.wait()
        except BaseException as error:
            if not self._ready.done():
                command = shlex.join(self.command)
                message = f"MCP server {command!r} failed to start: {error}"
                self._ready.set_exception(RuntimeError(message))
            elif not isinstance(error, (asyncio.CancelledError, GeneratorExit)):
                raise
        finally:
            self.session = None

    def list_tools(self) -> list[Any]:
        """The server's tool descriptions (``mcp.types.Tool``), all pages."""

        async def collect() -> list[Any]:
            result = await self.session.list_tools()
            return list(result.tools)

        return self._loop.run(collect(), timeout=self.timeout)

    def call(self, name: str, arguments: dict[str, Any]) -> str:
        """Call tool ``name``; the result's text, or `ToolExecutionError` on a server error."""
        if self.session is None:
            raise ToolExecutionError(f"the MCP server {shlex.join(self.command)!r} is closed")
        result = self._loop.run(self.session.call_tool(name, arguments), timeout=self.timeout)
        text = _result_text(result)
        if getattr(result, "is_error", getattr(result, "isError", False)):
            raise ToolExecutionError(text)
        return text

    def close(self) -> None:
        """Stop the session, end the server process and the loop thread; safe to call twice."""
        if self._stop is not None and not self._loop.loop.is_closed():
            self._loop.loop.call_soon_threadsafe(self._stop.set)
            runner = self._runner

            async def wait_runner() -> None:
                if runner is not None:
                    await asyncio.wait([runner], timeout=self.timeout)

            try:
                self._loop.run(wait_runner(), timeout=self.timeout + 5)
            except (TimeoutError, RuntimeError):
                pass
        self._stop = None
        self._loop.close()
        atexit.unregister(self.close)


def _result_text(result: Any) -> str:
    parts = []
    for block in getattr(result, "content", []) or []:
        kind = getattr(block, "type", "")
        parts.append(block.text if kind == "text" else f"[{kind} content]")
    structured = getattr(result, "structured_content", getattr(result, "structuredContent", None))
    if not parts and structured is not None:
        parts.append(json.dumps(structured, default=str))
    return "\n".join(parts)


class MCPTools(list):
    """The tools of one MCP server: a ``list[Tool]`` that also closes the server."""

    def __init__(self, tools: list[Tool], connection: MCPConnection) -> None:
        super().__init__(tools)
        self.connection = connection

    def close(self) -> None:
        """Shut the server down (also done at interpreter exit)."""
        self.connection.close()

    def __enter__(self) -> MCPTools:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _as_tool(connection: MCPConnection, description: Any) -> Tool:
    name = description.name
    schema = getattr(description, "input_schema", None) or getattr(description, "inputSchema", {})
    schema = {key: value for key, value in dict(schema).items() if key != "title"}
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})

    def call(**arguments: Any) -> str:
        return connection.call(name, arguments)

    call.__name__ = name
    return Tool(
        name=name,
        description=description.description or "",
        parameters=schema,
        fn=call,
        metadata={"mcp_command": connection.command},
    )


def mcp_tools(
    command: Sequence[str] | str,
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | None = None,
    timeout: float = 30.0,
) -> MCPTools:
    """Start the stdio MCP server ``command`` and return its tools.

    ``command`` is an argv list or a shell-style string (split with `shlex`); a leading
    ``python`` is replaced by the running interpreter. ``timeout`` bounds start-up and each
    call, in seconds.
    """
    argv = shlex.split(command) if isinstance(command, str) else list(command)
    if not argv:
        raise ValueError("mcp_tools needs a command to start the server, got an empty one")
    if argv[0] in ("python", "python3"):
        argv[0] = sys.executable
    connection = MCPConnection(argv, env=env, cwd=cwd, timeout=timeout)
    try:
        tools = [_as_tool(connection, item) for item in connection.list_tools()]
    except BaseException:
        connection.close()
        raise
    return MCPTools(tools, connection)
