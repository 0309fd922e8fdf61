"""A tiny stdio MCP server for the tests: ``python mcp_demo_server.py``."""

from __future__ import annotations

try:  # mcp >= 2
    from mcp.server.mcpserver import MCPServer as Server
except ModuleNotFoundError:  # mcp 1.x
    from mcp.server.fastmcp import FastMCP as Server

server = Server("agentrl-test")
COUNTER = {"calls": 0}


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
def shout(text: str) -> str:
    """Upper-case a text."""
    COUNTER["calls"] += 1
    return text.upper()


@server.tool()
def explode(reason: str) -> str:
    """Always fails."""
    raise ValueError(f"exploded: {reason}")


if __name__ == "__main__":
    server.run("stdio")
