"""Talking to an OpenEnv server: HTTP ``/health`` and ``/schema``, a WebSocket ``/ws`` session.

OpenEnv's HTTP ``/reset`` and ``/step`` build a fresh environment per request, so a
multi-step episode needs a WebSocket session: the server gives each connection its own
environment instance (up to its ``max_concurrent_envs``). One `WsSession` per agentrl env, so
a group of G rollouts holds G sessions. Connecting is retried with exponential backoff (a
server at capacity may free a slot); a message in flight is never retried, because the
episode's state lives in the session that failed.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any, TypeVar

from agentrl.core.env import EnvError

T = TypeVar("T")


class OpenEnvError(EnvError):
    """The OpenEnv server failed or cannot be reached; the message names its URL."""


class CapacityError(OpenEnvError):
    """The server refused a session: it already holds its ``max_concurrent_envs``."""


class ServerMessageError(Exception):
    """The server answered a message with an error response (``type: error``)."""

    def __init__(self, data: dict[str, Any]) -> None:
        super().__init__(str(data.get("message", data)))
        self.code = str(data.get("code", ""))
        self.data = data


def with_retries(call: Callable[[], T], *, retries: int, backoff_s: float,
                 retry_on: tuple[type[BaseException], ...]) -> T:
    """``call()``, retried up to ``retries`` times after ``backoff_s * 2**k`` seconds."""
    for attempt in range(retries + 1):
        try:
            return call()
        except retry_on:
            if attempt == retries:
                raise
            time.sleep(backoff_s * 2**attempt)
    raise AssertionError("unreachable")


def http_get_json(base_url: str, path: str, timeout_s: float) -> dict[str, Any]:
    """GET ``base_url + path`` and decode its JSON body."""
    with urllib.request.urlopen(base_url + path, timeout=timeout_s) as response:
        return json.loads(response.read().decode())


def check_health(base_url: str, *, timeout_s: float, retries: int, backoff_s: float) -> None:
    """`OpenEnvError` naming ``base_url`` unless ``GET /health`` answers healthy."""
    try:
        body = with_retries(lambda: http_get_json(base_url, "/health", timeout_s),
                            retries=retries, backoff_s=backoff_s,
                            retry_on=(OSError, ValueError))
    except (OSError, ValueError) as error:
        raise OpenEnvError(
            f"OpenEnv server at {base_url} is unreachable: GET {base_url}/health failed after "
            f"{retries + 1} tries ({error}); start the server or fix base_url"
        ) from error
    if body.get("status") not in ("healthy", None):
        raise OpenEnvError(f"OpenEnv server at {base_url} reports status {body.get('status')!r}")


def ws_url(base_url: str) -> str:
    """``http(s)://host:port`` as the ``ws(s)://host:port/ws`` session endpoint."""
    if base_url.startswith("https://"):
        return "wss://" + base_url[len("https://"):] + "/ws"
    if base_url.startswith("http://"):
        return "ws://" + base_url[len("http://"):] + "/ws"
    return base_url + "/ws"


class WsSession:
    """One WebSocket session on an OpenEnv server: ``send(type, data) -> data``."""

    def __init__(self, base_url: str, *, timeout_s: float, retries: int,
                 backoff_s: float) -> None:
        try:
            from websockets.sync.client import connect
        except ImportError as error:
            raise ImportError("the openenv adapter needs the 'websockets' package "
                              "(pip install websockets)") from error
        self.base_url, self.timeout_s = base_url, timeout_s
        # entered as a context manager: websockets >= 16 warns about a bare connect()
        self._connect = lambda: connect(ws_url(base_url), open_timeout=timeout_s,
                                        close_timeout=1.0, max_size=2**24).__enter__()
        self._ws: Any = None
        try:
            self._ws = with_retries(self._open, retries=retries, backoff_s=backoff_s,
                                    retry_on=(OSError, CapacityError))
        except CapacityError:
            raise
        except OSError as error:
            raise OpenEnvError(f"cannot open a session on the OpenEnv server at {base_url} "
                               f"after {retries + 1} tries: {error}") from error

    def _open(self) -> Any:
        """Connect, and probe with a ``state`` message: a full server answers with an error."""
        ws = self._connect()
        try:
            self._ws = ws
            self.send("state", None)
        except ServerMessageError as error:
            ws.close()
            if error.code == "CAPACITY_REACHED":
                raise CapacityError(
                    f"the OpenEnv server at {self.base_url} refused a session: {error} "
                    "(start it with create_app(..., max_concurrent_envs=N) and "
                    "SUPPORTS_CONCURRENT_SESSIONS = True, N at least the rollout group size)"
                ) from error
            raise OpenEnvError(f"OpenEnv server at {self.base_url}: {error}") from error
        except OpenEnvError as error:
            ws.close()
            raise OSError(str(error)) from error
        return ws

    def send(self, kind: str, data: dict[str, Any] | None) -> dict[str, Any]:
        """Send one message and return the ``data`` of its answer.

        `ServerMessageError` for an error answer (the session goes on); `OpenEnvError` when
        the server stops answering (the session is lost).
        """
        if self._ws is None:
            raise OpenEnvError(f"the session with the OpenEnv server at {self.base_url} "
                               "is closed")
        message = {"type": kind} if data is None else {"type": kind, "data": data}
        try:
            try:
                self._ws.send(json.dumps(message))
            except Exception:  # noqa: BLE001 - a server that hung up may have said why first
                answer = json.loads(self._ws.recv(timeout=1.0))
            else:
                answer = json.loads(self._ws.recv(timeout=self.timeout_s))
        except TimeoutError as error:
            self.close()
            raise OpenEnvError(f"the OpenEnv server at {self.base_url} did not answer a "
                               f"{kind!r} message within {self.timeout_s}s") from error
        except Exception as error:  # noqa: BLE001 - any transport failure loses the session
            self.close()
            raise OpenEnvError(f"the OpenEnv server at {self.base_url} stopped answering "
                               f"during {kind!r}: {type(error).__name__}: {error}") from error
        if answer.get("type") == "error":
            raise ServerMessageError(answer.get("data") or {})
        return answer.get("data") or {}

    def close(self) -> None:
        """Say goodbye and close the connection; safe to repeat."""
        ws, self._ws = self._ws, None
        if ws is None:
            return
        try:
            ws.send(json.dumps({"type": "close"}))
            ws.close()
        except Exception:  # noqa: BLE001 - closing a dead connection is fine
            pass
