"""MCP: any stdio MCP server's tools as agentrl `Tool` objects.

``mcp_tools(["python", "server.py"])`` starts the server as a subprocess, lists its tools
and returns them as a `MCPTools` list (a ``list[Tool]`` that can be closed and used as a
context manager). The async MCP client session lives on a private event loop running on a
daemon thread, so each tool is a plain sync function and `ToolEnv.step` stays sync; calls
from several threads at once are multiplexed over the one session. A server-side error
(unknown tool, arguments that fail the server's validation, a tool that raised), a call
past ``timeout`` and a server that died come back as `ToolExecutionError` naming the
server, which `ToolEnv` shows the agent.

The server is always ended: on `MCPTools.close`, at once when it fails to start or breaks
(it exits, or writes a flood of lines that are not JSON-RPC), and when its owner never
closes it (a finalizer, also run at interpreter exit); it runs in a process group of its
own, so what it started ends with it (see `agentrl.tools._mcp_stdio`). A failed start
raises `MCPServerError` within ``timeout``, naming the command, the limit or the exit code,
and the last line of the server's stderr.
Needs ``pip install mcp`` (the ``agentrl[tools]`` extra).
"""

from __future__ import annotations

import asyncio
import json
import shlex
import sys
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from agentrl.tools._loop import BackgroundLoop
from agentrl.tools._mcp_stdio import GRACE_S, TERM_S, ServerProcess, kill_group, quiet_task
from agentrl.tools.decorator import Tool, ToolExecutionError


class MCPServerError(RuntimeError):
    """An MCP server could not be started (the message names its command and why)."""


def _require_mcp() -> Any:
    try:
        import mcp
    except ModuleNotFoundError:
        raise ModuleNotFoundError(
            "mcp_tools needs the 'mcp' package: pip install mcp (or agentrl[tools])"
        ) from None
    return mcp


class _Codec:
    """JSON-RPC lines <-> the session's messages, for mcp 1.x and 2.x alike."""

    def __init__(self) -> None:
        mcp = _require_mcp()
        adapter = getattr(mcp.types, "jsonrpc_message_adapter", None)  # mcp >= 2
        self._validate = (adapter.validate_json if adapter is not None
                          else mcp.types.JSONRPCMessage.model_validate_json)
        self._dump = {"exclude_unset": True} if adapter is not None else {"exclude_none": True}
        try:
            from mcp.shared.message import SessionMessage
        except ModuleNotFoundError:  # mcp < 1.7: the streams carry bare messages
            SessionMessage = None  # noqa: N806
        self._wrap = SessionMessage

    def decode(self, line: bytes) -> Any:
        """One stdout line as a session message; `ValueError` when it is not JSON-RPC."""
        message = self._validate(line)
        return self._wrap(message) if self._wrap is not None else message

    def encode(self, item: Any) -> bytes:
        """A session message as one stdin line."""
        message = getattr(item, "message", item)
        return (message.model_dump_json(by_alias=True, **self._dump) + "\n").encode()


def _server_env(env: Mapping[str, str] | None) -> dict[str, str]:
    """mcp's safe default environment (PATH, HOME, ...) with ``env`` over it."""
    try:
        from mcp.client.stdio import get_default_environment
    except ImportError:  # pragma: no cover - an mcp without it
        import os

        names = ("HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER")
        return {k: os.environ[k] for k in names if k in os.environ} | dict(env or {})
    return get_default_environment() | dict(env or {})


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
        if not timeout > 0:
            raise ValueError(f"mcp_tools: timeout must be a positive number of seconds, "
                             f"got {timeout!r}")
        self.command = list(command)
        self.timeout = timeout
        self._client_session = mcp.ClientSession
        self._env, self._cwd = _server_env(env), cwd
        self._loop = BackgroundLoop(name="agentrl-mcp-loop")
        self._stop: asyncio.Event | None = None
        self._runner: asyncio.Future[Any] | None = None
        self._server: ServerProcess | None = None
        self.session: Any = None
        self._closed = False
        self._state: dict[str, Any] = {"pid": None, "ended": False}
        self._finalizer = weakref.finalize(self, kill_group, self._state)
        try:
            self._loop.run(self._start(), timeout=timeout + GRACE_S + TERM_S + 10)
        except BaseException:
            self.close()
            raise

    @property
    def name(self) -> str:
        """The server's command line, as the user would type it."""
        return shlex.join(self.command)

    @property
    def pid(self) -> int | None:
        """The server process's id (its process group's too); None before it started."""
        return self._state["pid"]

    async def _start(self) -> None:
        """Start the server and initialize the session within ``timeout``, or end it."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[Any] = loop.create_future()
        self._stop = asyncio.Event()
        self._server = ServerProcess(self.command, self._env, self._cwd, self._state)
        self._runner = asyncio.ensure_future(self._serve(ready))
        failure = self._server.failure
        done, _ = await asyncio.wait({ready, failure}, timeout=self.timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready in done and ready.exception() is None:
            return
        if ready in done:
            reason = str(ready.exception())
        elif failure in done:
            reason = failure.result()
        else:
            reason = (f"no answer to initialize within timeout={self.timeout:g} s"
                      f"{self._server.stderr_note()}; stopped it")
            if self._server.garbage_count:
                reason += f" ({self._server.garbage_note()})"
        self._runner.cancel()
        await asyncio.wait([self._runner], timeout=5.0)
        raise MCPServerError(f"MCP server {self.name!r} failed to start: {reason}")

    async def _serve(self, ready: asyncio.Future[Any]) -> None:
        """Hold the server and its session open until `close` sets the stop event."""
        assert self._server is not None and self._stop is not None
        server, graceful = self._server, False
        try:
            read, write = await server.start(_Codec())
            async with self._client_session(read, write) as session:
                await session.initialize()
                self.session, server.ready = session, True
                if server.garbage_count:
                    server.warn_garbage()
                ready.set_result(None)
                await self._stop.wait()
                graceful = True
        except OSError as error:
            if not ready.done():
                ready.set_exception(MCPServerError(f"could not run it: {error}"))
        except Exception as error:
            if not ready.done():
                await asyncio.wait([server.failure], timeout=0.5)  # an exit explains it best
                why = server.failure.result() if server.failure.done() else (
                    f"{type(error).__name__}: {error}{server.stderr_note()}")
                ready.set_exception(MCPServerError(why))
        finally:
            self.session = None
            await asyncio.shield(server.stop(graceful))

    def _not_running(self) -> str:
        if self._closed or self._server is None or not self._server.failure.done():
            return f"the MCP server {self.name!r} is closed"
        return f"the MCP server {self.name!r} is not running: {self._server.failure.result()}"

    async def _request(self, what: str, coro_fn: Any) -> Any:
        """Await ``coro_fn()`` on the session; a clear error when the server dies or the
        answer takes longer than ``timeout``."""
        if self.session is None or self._server is None or self._server.failure.done():
            raise ToolExecutionError(self._not_running())
        task = quiet_task(coro_fn(self.session))
        failure = self._server.failure
        done, _ = await asyncio.wait({task, failure}, timeout=self.timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        if task in done:
            return task.result()
        task.cancel()
        if failure.done():
            raise ToolExecutionError(f"MCP server {self.name!r} failed during {what}: "
                                     f"{failure.result()}")
        raise ToolExecutionError(f"MCP server {self.name!r} did not answer {what} within "
                                 f"timeout={self.timeout:g} s")

    def _run(self, what: str, coro_fn: Any) -> Any:
        if self._loop.loop.is_closed():
            raise ToolExecutionError(self._not_running())
        return self._loop.run(self._request(what, coro_fn), timeout=self.timeout + 5)

    def list_tools(self) -> list[Any]:
        """The server's tool descriptions (``mcp.types.Tool``)."""

        async def collect(session: Any) -> list[Any]:
            return list((await session.list_tools()).tools)

        return self._run("tools/list", collect)

    def call(self, name: str, arguments: dict[str, Any]) -> str:
        """Call tool ``name``; the result's text, or `ToolExecutionError` on a server error,
        a call longer than ``timeout`` or a server that is gone."""
        result = self._run(f"the call to tool {name!r}",
                           lambda session: session.call_tool(name, arguments))
        text = _result_text(result)
        if getattr(result, "is_error", getattr(result, "isError", False)):
            raise ToolExecutionError(text)
        return text

    def close(self) -> None:
        """Stop the session and end the server process (its whole group) and the loop
        thread; bounded in time (a few seconds at most); safe to call twice."""
        self._closed = True
        if self._stop is not None and not self._loop.loop.is_closed():
            self._loop.loop.call_soon_threadsafe(self._stop.set)
            runner = self._runner

            async def wait_runner() -> None:
                if runner is not None:
                    await asyncio.wait([runner], timeout=GRACE_S + TERM_S + 3)

            try:
                self._loop.run(wait_runner(), timeout=GRACE_S + TERM_S + 5)
            except (TimeoutError, RuntimeError):
                pass
        self._stop = None
        self._finalizer()  # a no-op when the server already ended
        self._loop.close()


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
