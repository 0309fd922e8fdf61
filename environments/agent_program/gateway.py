"""The gateway: an OpenAI-compatible chat-completions server on 127.0.0.1.

One server per process, started on first use on a free port. Each episode opens a
`Channel` with its own path, ``/episodes/<id>/v1``, so the calls of concurrent episodes
(the G rollouts of a group) never mix. A ``POST …/chat/completions`` becomes a `Call` put on
its channel's ``events`` queue; the HTTP thread then waits until the env answers it with
the policy's reply (`Call.answer`) or refuses it (`Call.refuse`, e.g. the episode ended).
The server only carries requests: sampling happens in the rollout runner, which records
the prompt and sampled token ids and log-probs of every call (token in, token out).
"""

from __future__ import annotations

import json
import queue
import re
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_NAME = "agentrl-policy"
"""The model name the gateway lists; any name a program sends is accepted."""

_ROUTE = re.compile(r"^/episodes/([0-9a-f]{32})/v1/(chat/completions|models)/?$")


class CallRefused(Exception):
    """The env refused a call (episode over, unsupported request): ``status`` and reason."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Call:
    """One chat-completions request waiting for the policy's reply."""

    body: dict[str, Any]
    _reply: queue.Queue = field(default_factory=lambda: queue.Queue(maxsize=1))

    def answer(self, response: dict[str, Any]) -> None:
        """Send the chat-completion ``response`` back to the waiting HTTP call."""
        self._reply.put(response)

    def refuse(self, status: int, message: str) -> None:
        """Send an OpenAI-style error with HTTP ``status`` back to the waiting call."""
        self._reply.put(CallRefused(status, message))

    def wait(self, timeout_s: float) -> dict[str, Any]:
        """The response (raises `CallRefused` if refused or not answered in ``timeout_s``)."""
        try:
            reply = self._reply.get(timeout=timeout_s)
        except queue.Empty:
            raise CallRefused(504, f"no reply from the policy within {timeout_s}s") from None
        if isinstance(reply, CallRefused):
            raise reply
        return reply


class Channel:
    """An episode's path on the gateway and the queue of what its program does.

    ``events`` carries ``("call", Call)``, and from the program's thread ``("done", value)``
    or ``("error", exception)``.
    """

    def __init__(self, gateway: Gateway, reply_timeout_s: float) -> None:
        self.id = uuid.uuid4().hex
        self.base_url = f"{gateway.url}/episodes/{self.id}/v1"
        self.reply_timeout_s = reply_timeout_s
        self.events: queue.Queue[tuple[str, Any]] = queue.Queue()
        self._gateway = gateway

    def close(self) -> None:
        """Unregister the path (later calls get 404) and refuse every call still queued."""
        self._gateway.forget(self.id)
        while True:
            try:
                kind, payload = self.events.get_nowait()
            except queue.Empty:
                return
            if kind == "call":
                payload.refuse(410, "the episode is over")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib name
        """Quiet: requests are not logged to stderr."""

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str) -> None:
        self._send(status, {"error": {"message": message, "type": "agentrl_gateway",
                                      "code": status}})

    def _channel(self) -> tuple[Channel, str] | None:
        match = _ROUTE.match(self.path.split("?", 1)[0])
        channel = self.server.gateway.channel(match.group(1)) if match else None
        if channel is None:
            self._error(404, f"no open episode at {self.path}; the episode ended or never "
                        "existed (use the base_url the env gave the program)")
            return None
        return channel, match.group(2)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        """``GET …/v1/models``: the one model served."""
        found = self._channel()
        if found is not None:
            self._send(200, {"object": "list", "data": [
                {"id": MODEL_NAME, "object": "model", "created": 0, "owned_by": "agentrl"}]})

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        """``POST …/v1/chat/completions``: queue the call and wait for the policy's reply."""
        found = self._channel()
        if found is None:
            return
        channel, endpoint = found
        if endpoint != "chat/completions":
            self._error(405, f"POST {endpoint} is not served; use chat/completions")
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            _validate(body)
        except (ValueError, TypeError) as error:
            self._error(400, f"bad chat-completions request: {error}")
            return
        call = Call(body)
        channel.events.put(("call", call))
        try:
            self._send(200, call.wait(channel.reply_timeout_s))
        except CallRefused as refused:
            self._error(refused.status, str(refused))


def _validate(body: Any) -> None:
    if not isinstance(body, dict):
        raise TypeError("the body must be a JSON object")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise ValueError("'messages' must be a non-empty list")
    if not all(isinstance(m, dict) and "role" in m for m in messages):
        raise ValueError("every message must be an object with a 'role'")
    if body.get("stream"):
        raise ValueError("stream=true is not supported; call without streaming")
    if body.get("n", 1) not in (1, None):
        raise ValueError("n must be 1: the policy samples one reply per call")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    gateway: Gateway


class Gateway:
    """The process's chat-completions server and its open episode channels."""

    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.gateway = self
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._channels: dict[str, Channel] = {}
        self._lock = threading.Lock()
        threading.Thread(target=self._server.serve_forever, name="agentrl-gateway",
                         daemon=True).start()

    def open(self, reply_timeout_s: float) -> Channel:
        """A new episode channel with its own path."""
        channel = Channel(self, reply_timeout_s)
        with self._lock:
            self._channels[channel.id] = channel
        return channel

    def channel(self, episode_id: str) -> Channel | None:
        """The open channel with ``episode_id``, or None."""
        with self._lock:
            return self._channels.get(episode_id)

    def forget(self, episode_id: str) -> None:
        """Unregister ``episode_id`` (no-op when already gone)."""
        with self._lock:
            self._channels.pop(episode_id, None)


_GATEWAY: Gateway | None = None
_GATEWAY_LOCK = threading.Lock()


def gateway() -> Gateway:
    """The process's gateway, started on first use."""
    global _GATEWAY
    with _GATEWAY_LOCK:
        if _GATEWAY is None:
            _GATEWAY = Gateway()
        return _GATEWAY
