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
| ``/files/NAME`` | a file of the run (report.md, learning_curves.png, images/<sha>.png) |

Sources: ``samples`` (samples.jsonl: training trajectories with advantages, critic value
and KL where the run has them), ``eval`` (eval_trajectories.jsonl), ``rollouts``
(rollouts.jsonl: every training episode, no advantages). Images are base64 PNG strings in
``Observation.images`` or content-addressed files ``images/<sha>.png`` next to the JSONL;
the page shows both inline.
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from agentrl.run.metrics import read_metrics

SOURCES = {"samples": "samples.jsonl", "eval": "eval_trajectories.jsonl",
           "rollouts": "rollouts.jsonl"}
PAGE = Path(__file__).with_name("viewer.html")
_ITERATION = re.compile(r"^it(\d+)/")
_IMAGE_FILE = re.compile(r"^(?:images/)?[0-9a-f]{8,128}\.png$")


class RunData:
    """Reads a run folder for the viewer; a JSONL file is parsed again only when it changed."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir
        self._cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}
        self._lock = threading.Lock()

    def run(self) -> dict[str, Any]:
        """The run's name, metric rows, eval result and trajectory sources present."""
        eval_file = self.run_dir / "eval.json"
        return {
            "name": self.run_dir.name,
            "metrics": read_metrics(self.run_dir) if (self.run_dir / "metrics.jsonl").exists()
            else [],
            "eval": json.loads(eval_file.read_text()) if eval_file.exists() else None,
            "sources": [s for s, name in SOURCES.items() if (self.run_dir / name).exists()],
            "report": (self.run_dir / "report.md").exists(),
            "curves_png": (self.run_dir / "learning_curves.png").exists(),
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


class _Handler(BaseHTTPRequestHandler):
    data: RunData  # set on the subclass made per server

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        try:
            if url.path in ("/", "/index.html"):
                self._send(PAGE.read_bytes(), "text/html; charset=utf-8")
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
        root = self.data.run_dir.resolve()
        path = (root / name).resolve()
        if root not in path.parents or not path.is_file():  # nothing outside the run
            self.send_error(HTTPStatus.NOT_FOUND)
            return
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if path.suffix == ".md":
            kind = "text/plain; charset=utf-8"
        self._send(path.read_bytes(), kind)

    def _json(self, value: Any) -> None:
        self._send(json.dumps(value).encode(), "application/json")

    def _send(self, body: bytes, kind: str) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:  # quiet: the terminal shows the URL only
        pass


def make_server(run_dir: str | Path, *, host: str = "127.0.0.1",
                port: int = 8765) -> ThreadingHTTPServer:
    """An HTTP server of the viewer over ``run_dir`` (not yet serving; port 0 picks one).

    `FileNotFoundError` when ``run_dir`` is not a run folder.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir() or not any((run_dir / n).exists() for n in
                                       ("metrics.jsonl", "eval.json", *SOURCES.values())):
        raise FileNotFoundError(f"{run_dir} is not a run folder (no metrics.jsonl, eval.json "
                                "or trajectories JSONL)")
    handler = type("RunHandler", (_Handler,), {"data": RunData(run_dir)})
    return ThreadingHTTPServer((host, port), handler)
