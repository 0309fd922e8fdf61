"""`agentrl view RUN_DIR`: a local web page over a run — learning curves (metrics.jsonl),
the eval tables (eval.json), and the trajectories grouped as the trainer grouped them
(``group_id``), members side by side, turn by turn.

A stdlib `ThreadingHTTPServer` serves one HTML page (``viewer.html``, no external assets:
it works offline) and a small JSON API over the run folder:

| path | what |
|---|---|
| ``/api/run`` | name, metric rows, eval.json (or null), which trajectory files exist |
| ``/api/trajectories?source=S`` | one summary per trajectory of source S |
| ``/api/trajectory?source=S&index=I`` | trajectory I of S, whole, images resolved |
| ``/files/NAME`` | one of the run's known artifacts (`ARTIFACTS`, ``images/<sha>.png``) |

Sources: ``samples`` (samples.jsonl: training trajectories with advantages, critic value
and KL where the run has them), ``eval`` (eval_trajectories.jsonl), ``rollouts``
(rollouts.jsonl: every training episode, no advantages). Images are base64 PNG strings in
``Observation.images`` or content-addressed files ``images/<sha>.png`` next to the JSONL;
the page shows both inline. A torn last line (a killed run, a full disk) is skipped, and
the page says so.

Hardening (issue 26): a request whose ``Host`` header is not this machine (localhost,
127.0.0.1, [::1], the bound host; with a wildcard bind, also an IP address or this
machine's name) is refused with 403, so a DNS-rebinding page cannot read the run; only the
run's known artifacts are served (an allow-list: never a checkpoint, nor an ``.html`` /
``.svg`` someone put in the folder); every response carries a Content-Security-Policy (the
page's one script and one style sheet allowed by their SHA-256) and
``X-Content-Type-Options: nosniff``; binding beyond localhost prints a one-line warning.
"""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
import re
import socket
import sys
import threading
import warnings
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from agentrl.eval.metrics_file import read_metrics

SOURCES = {"samples": "samples.jsonl", "eval": "eval_trajectories.jsonl",
           "rollouts": "rollouts.jsonl"}
ARTIFACTS = {"metrics.jsonl": "text/plain; charset=utf-8", "eval.json": "application/json",
             "report.md": "text/plain; charset=utf-8", "learning_curves.png": "image/png",
             **{name: "text/plain; charset=utf-8" for name in SOURCES.values()}}
PAGE = Path(__file__).with_name("viewer.html")
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
WILDCARDS = ("", "0.0.0.0", "::")
_ITERATION = re.compile(r"^it(\d+)/")
_IMAGE_FILE = re.compile(r"^(?:images/)?[0-9a-f]{8,128}\.png$")


class RunData:
    """Reads a run folder for the viewer; a JSONL file is parsed again only when it changed."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def run(self) -> dict[str, Any]:
        """The run's name, metric rows, eval result, trajectory sources present, and
        ``notes``: what was skipped because it could not be read (a torn line)."""
        notes: list[str] = []
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            metrics = read_metrics(self.run_dir)
        notes += [str(w.message).replace(str(self.run_dir) + "/", "") for w in caught]
        eval_result = None
        eval_file = self.run_dir / "eval.json"
        if eval_file.exists():
            try:
                eval_result = json.loads(eval_file.read_text(encoding="utf-8"))
            except (ValueError, UnicodeDecodeError) as error:
                notes.append(f"eval.json skipped, it is not JSON ({error})")
        return {
            "name": self.run_dir.name,
            "metrics": metrics,
            "eval": eval_result,
            "sources": [s for s, name in SOURCES.items() if (self.run_dir / name).exists()],
            "report": (self.run_dir / "report.md").exists(),
            "curves_png": (self.run_dir / "learning_curves.png").exists(),
            "notes": notes,
        }

    def trajectories(self, source: str) -> list[dict[str, Any]]:
        """The raw trajectory dicts of ``source`` (`KeyError` for an unknown source)."""
        path = self.run_dir / SOURCES[source]
        if not path.exists():
            return []
        stamp = path.stat().st_mtime
        with self._lock:
            cached = self._cache.get(source)
            if cached is None or cached[0] != stamp:
                rows = []
                for line in path.read_text(encoding="utf-8").splitlines():
                    try:
                        rows.append(json.loads(line))
                    except json.JSONDecodeError:  # a torn last line of a killed run
                        continue
                cached = self._cache[source] = (stamp, rows)
        return cached[1]

    def summaries(self, source: str) -> list[dict[str, Any]]:
        """One row per trajectory: what the page groups and filters on."""
        return [summary(index, t, source) for index, t in enumerate(self.trajectories(source))]

    def trajectory(self, source: str, index: int) -> dict[str, Any]:
        """Trajectory ``index`` of ``source`` with every image as a URL the page can show."""
        trajectory = json.loads(json.dumps(self.trajectories(source)[index]))
        for turn in trajectory.get("turns", []):
            observation = turn.get("observation", {})
            observation["images"] = [image_url(i) for i in observation.get("images", [])]
        return trajectory | {"summary": summary(index, trajectory, source)}


def iteration_of(group_id: str, source: str) -> str:
    """The training iteration a trajectory came from (``it3/…`` → "3"), or "eval"."""
    if source == "eval" or group_id.startswith("eval/"):
        return "eval"
    match = _ITERATION.match(group_id)
    return match.group(1) if match else ""


def summary(index: int, trajectory: dict[str, Any], source: str) -> dict[str, Any]:
    """Index, group, task, category, iteration, outcome and error of one trajectory."""
    task = trajectory.get("task", {})
    group = trajectory.get("group_id", "") or task.get("id", "")
    return {
        "index": index,
        "group_id": group,
        "task_id": task.get("id", ""),
        "instruction": task.get("instruction", ""),
        "category": str(task.get("metadata", {}).get("category", "")),
        "iteration": iteration_of(group, source),
        "success": bool(trajectory.get("success")) and not trajectory.get("errored"),
        "errored": bool(trajectory.get("errored")),
        "error": trajectory.get("error"),
        "outcome_reward": trajectory.get("outcome_reward", 0.0),
        "turns": len(trajectory.get("turns", [])),
    }


def image_url(image: str) -> str:
    """A content-addressed file name → its ``/files/images/…`` URL; base64 → a data URL."""
    if _IMAGE_FILE.match(image):
        return "/files/images/" + image.removeprefix("images/")
    if image.startswith("data:"):
        return image
    return "data:image/png;base64," + image


def _sha256_sources(page: str, tag: str) -> str:
    """The CSP sources allowing each inline ``<tag>`` block of ``page`` by its SHA-256."""
    blocks = re.findall(rf"<{tag}>(.*?)</{tag}>", page, flags=re.DOTALL)
    digests = (base64.b64encode(hashlib.sha256(b.encode()).digest()).decode() for b in blocks)
    return " ".join(f"'sha256-{d}'" for d in digests)


def page_policy(page: str) -> str:
    """The page's Content-Security-Policy: its own inline script and style (by hash), images
    from the run or data URLs, requests to the viewer only; nothing else."""
    return (f"default-src 'none'; script-src {_sha256_sources(page, 'script')}; "
            f"style-src {_sha256_sources(page, 'style')}; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


FILE_POLICY = "default-src 'none'; frame-ancestors 'none'; sandbox"


def _split_host(value: str) -> tuple[str, int | None]:
    """``[::1]:8765`` → ("::1", 8765); ``localhost`` → ("localhost", None)."""
    value = value.strip().lower()
    name, _, port = value.rpartition(":") if not value.endswith("]") else (value, "", "")
    if not name or (":" in name and not name.startswith("[")):  # no port, or a bare IPv6
        name, port = value, ""
    return name.strip("[]").rstrip("."), int(port) if port.isdigit() else None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def host_allowed(header: str | None, bound_host: str, port: int) -> bool:
    """Whether a request's ``Host`` header names this viewer (DNS-rebinding defence): a
    loopback name or the bound host, with the server's port (or none, for port 80); with a
    wildcard bind also an IP address or this machine's name."""
    if not header:
        return False
    name, given_port = _split_host(header)
    if (given_port or 80) != port:
        return False
    bound = bound_host.strip("[]").lower()
    if name in LOOPBACK_NAMES or name == bound:
        return True
    if bound in WILDCARDS:
        return _is_ip(name) or name in {socket.gethostname().lower(), socket.getfqdn().lower()}
    return False


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the viewer on this machine."""
    name = host.strip("[]").lower()
    if name == "localhost":
        return True
    return _is_ip(name) and ipaddress.ip_address(name).is_loopback


class _Handler(BaseHTTPRequestHandler):
    data: RunData  # set on the subclass made per server
    page: bytes  # viewer.html, read once
    policy: str  # its Content-Security-Policy

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        bound, port = self.server.server_address[:2]
        if not host_allowed(self.headers.get("Host"), str(bound), int(port)):
            self.send_error(HTTPStatus.FORBIDDEN, "this viewer answers to localhost only")
            return
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            if url.path in ("/", "/index.html"):
                self._send(self.page, "text/html; charset=utf-8", self.policy)
            elif url.path == "/api/run":
                self._json(self.data.run())
            elif url.path == "/api/trajectories":
                self._json(self.data.summaries(query.get("source", "samples")))
            elif url.path == "/api/trajectory":
                self._json(self.data.trajectory(query.get("source", "samples"),
                                                int(query.get("index", "0"))))
            elif url.path.startswith("/files/"):
                self._file(unquote(url.path.removeprefix("/files/")))
            else:
                self.send_error(HTTPStatus.NOT_FOUND)
        except (KeyError, IndexError, ValueError) as error:
            self.send_error(HTTPStatus.BAD_REQUEST, f"{type(error).__name__}: {error}")

    def _file(self, name: str) -> None:
        """One of the run's known artifacts; anything else (a checkpoint, an .html or .svg
        put in the folder, a path outside it) is 404."""
        kind = ARTIFACTS.get(name) or ("image/png" if _IMAGE_FILE.match(name) and
                                       name.startswith("images/") else None)
        path = self.data.run_dir / name
        if kind is None or path.is_symlink() or not path.is_file():
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        self._send(path.read_bytes(), kind)

    def _json(self, value: Any) -> None:
        self._send(json.dumps(value).encode(), "application/json")

    def _send(self, body: bytes, kind: str, policy: str = FILE_POLICY) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", policy)
        self.end_headers()
        self.wfile.write(body)

    def end_headers(self) -> None:
        """Every response (errors too): nosniff, no referrer, no caching, no framing."""
        sent = getattr(self, "_headers_buffer", [])
        if not any(h.startswith(b"Content-Security-Policy") for h in sent):
            self.send_header("Content-Security-Policy", FILE_POLICY)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, *args: Any) -> None:  # quiet: the terminal shows the URL only
        pass


def make_server(run_dir: str | Path, *, host: str = "127.0.0.1",
                port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server of the viewer over ``run_dir`` (not yet serving; port 0 picks one).

    `FileNotFoundError` when ``run_dir`` is not a run folder. Binding beyond localhost
    (``0.0.0.0``, a LAN address) prints a one-line warning on stderr.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir() or not any((run_dir / n).exists() for n in
                                       ("metrics.jsonl", "eval.json", *SOURCES.values())):
        raise FileNotFoundError(f"{run_dir} is not a run folder (no metrics.jsonl, eval.json "
                                "or trajectories JSONL)")
    page = PAGE.read_text(encoding="utf-8")
    handler = type("RunHandler", (_Handler,), {"data": RunData(run_dir), "page": page.encode(),
                                               "policy": page_policy(page)})
    server = ThreadingHTTPServer((host, port), handler)
    if not is_loopback(host):
        print(f"warning: agentrl view listens on {host}:{server.server_address[1]}, beyond "
              "this machine: anyone who can reach it can read this run (no authentication)",
              file=sys.stderr)
    return server
