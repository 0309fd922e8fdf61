"""A private asyncio event loop on a daemon thread, so sync code can await coroutines.

Running the loop on its own thread (rather than ``asyncio.run`` per call) keeps long-lived
async resources — an MCP client session, an async HTTP client inside a tool — alive between
calls, and works even when the caller's thread already runs an event loop (Jupyter).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class BackgroundLoop:
    """An event loop running on a daemon thread; `run` blocks until a coroutine finishes."""

    def __init__(self, name: str = "agentrl-tools-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and return its result (raises what it raises).

        On ``timeout`` the coroutine is cancelled and `TimeoutError` is raised.
        """
        if self.loop.is_closed():
            coro.close()
            raise RuntimeError("the background event loop is closed")
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"coroutine did not finish within {timeout} s") from None

    def close(self) -> None:
        """Stop the loop and join its thread; safe to call twice."""
        if self.loop.is_closed():
            return
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self.loop.close()
