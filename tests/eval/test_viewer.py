"""`agentrl view` over a real run (a tiny training run on toy/corridor, then an eval
against a dead OpenAI-compatible endpoint, whose episodes all error): the JSON API, and the
page in headless Chromium — it loads, a group's trajectories open side by side, the
filters narrow the list, screenshots (base64 and content-addressed files) show inline.
A screenshot of the page is kept (``viewer.png`` in the test's tmp folder, and in
``$AGENTRL_ARTIFACTS`` when set)."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pytest
from typer.testing import CliRunner

from agentrl.cli import app
from agentrl.eval.viewer import RunData, image_url, iteration_of, make_server
from agentrl.run.loop import eval_only, train

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]


def recipe(run_dir: Path) -> dict[str, Any]:
    return {
        "name": "viewed", "seed": 3,
        "env": {"id": "toy/corridor", "kwargs": {"max_turns": 2}},
        "policy": {"model": "tiny:llama"},
        "rollout": {"group_size": 2, "lenient_parsing": True, "sampling": {"max_new_tokens": 4}},
        "algorithm": {"advantage": "grpo"},
        "optim": {"lr": 1e-3, "minibatch_size": 8, "micro_batch_size": 4},
        "trainer": {"iterations": 2, "tasks_per_iteration": 2, "samples_per_iteration": 4},
        "eval": {"num_tasks": 2},
        "logging": {"run_dir": str(run_dir), "tensorboard": False, "progress": False},
    }


def png(color: tuple[float, float, float]) -> bytes:
    buffer = io.BytesIO()
    plt.imsave(buffer, np.full((12, 16, 3), color), format="png")
    return buffer.getvalue()


def add_screenshot_trajectory(run: Path) -> None:
    """A GUI-like trajectory: one turn whose observation has a base64 image and a
    content-addressed ``images/<sha>.png`` file (no GUI env ships in this checkout)."""
    import base64

    stored = png((0.1, 0.6, 0.2))
    sha = hashlib.sha256(stored).hexdigest()
    (run / "images").mkdir(exist_ok=True)
    (run / "images" / f"{sha}.png").write_bytes(stored)
    inline = base64.b64encode(png((0.8, 0.1, 0.1))).decode()
    line = json.loads((run / "samples.jsonl").read_text().splitlines()[0])
    line["group_id"] = "gui/demo"
    line["turns"] = line["turns"][:1]
    line["turns"][0]["observation"]["images"] = [inline, f"images/{sha}.png"]
    with (run / "samples.jsonl").open("a") as file:
        file.write(json.dumps(line) + "\n")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("runs")
    folder = train(recipe(root))
    dead = recipe(root)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dead["policy"] = {"model": "gone", "backend": "openai", "openai": {
        "base_url": f"http://127.0.0.1:{port}/v1", "max_retries": 0, "timeout_s": 2}}
    eval_only(dead)  # replaces eval.json / eval_trajectories.jsonl: every episode errored
    add_screenshot_trajectory(folder)
    return folder


@pytest.fixture(scope="module")
def url(run: Path) -> Iterator[str]:
    server = make_server(run, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def watch_csp(page: Any) -> list[str]:
    """Record the page's CSP violations (the DOM event, and Chromium's console errors)."""
    page.add_init_script("window.__csp = []; document.addEventListener("
                         "'securitypolicyviolation', (e) => window.__csp.push("
                         "e.violatedDirective + ' ' + e.blockedURI));")
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    return console


def csp_violations(page: Any, console: list[str]) -> list[str]:
    events = page.evaluate("window.__csp")
    return events + [m for m in console if "Content Security Policy" in m]


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return json.loads(reply.read())


def samples(run: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (run / "samples.jsonl").read_text().splitlines()]


def test_image_urls_and_iterations() -> None:
    sha = "ab" * 32
    assert image_url(f"images/{sha}.png") == f"/files/images/{sha}.png"
    assert image_url(f"{sha}.png") == f"/files/images/{sha}.png"
    assert image_url("iVBORw0") == "data:image/png;base64,iVBORw0"
    assert iteration_of("it12/toy-train-3", "samples") == "12"
    assert iteration_of("eval/toy-heldout-0", "eval") == "eval"


def test_view_refuses_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["view", str(tmp_path)])
    assert result.exit_code == 2 and "is not a run folder" in result.output


@pytest.mark.slow
def test_api_serves_the_run(run: Path, url: str) -> None:
    data = get(f"{url}/api/run")
    assert data["name"] == "viewed" and data["eval"]["errored"] == 2
    assert {"samples", "eval", "rollouts"} <= set(data["sources"])
    assert [r["iteration"] for r in data["metrics"]] == [0, 1, 2]
    rows = get(f"{url}/api/trajectories?source=samples")
    assert len(rows) == len(samples(run)) == 9
    assert {r["iteration"] for r in rows} == {"0", "1", ""}
    first = get(f"{url}/api/trajectory?source=samples&index=0")
    assert first["turns"][0]["advantage"] == samples(run)[0]["turns"][0]["advantage"]
    assert "agentrl view" in (run / "report.md").read_text()
    with urllib.request.urlopen(f"{url}/files/report.md") as reply:
        assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/plain")
    for outside in ("../viewed.json", "%2e%2e/%2e%2e/etc/passwd"):  # nothing outside the run
        with pytest.raises(urllib.error.HTTPError, match="404"):
            urllib.request.urlopen(f"{url}/files/{outside}")


@pytest.mark.slow
def test_page_in_chromium_opens_groups_filters_and_shows_images(run: Path, url: str,
                                                                tmp_path: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    trajectories = samples(run)
    groups = {t["group_id"] for t in trajectories}
    first_iteration = {g for g in groups if g.startswith("it1/")}
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            console = watch_csp(page)
            page.goto(url)
            page.wait_for_selector("body[data-ready='1']")
            assert page.inner_text("#run-name") == "viewed"
            assert page.locator(".chart[data-metric='rollout/success']").count() == 1
            categories = json.loads((run / "eval.json").read_text())["per_category"]
            assert categories  # toy/corridor's length-N
            rows = page.locator("#eval-table tr")
            assert rows.count() == 2 + len(categories)  # header, the split, each category
            assert rows.nth(2).locator("td").first.inner_text() == sorted(categories)[0]
            assert page.locator("#groups .group").count() == len(groups)

            page.locator("#groups .group").first.click()  # a group opens, side by side
            page.wait_for_selector("#detail .member")
            first = trajectories[0]
            members = [t for t in trajectories if t["group_id"] == first["group_id"]]
            assert page.locator("#detail .member").count() == len(members)
            observation = page.locator("#detail .member").first.locator("pre.observation").first
            assert observation.inner_text() == first["turns"][0]["observation"]["text"]
            assert "advantage" in page.locator("#detail .member .nums").first.inner_text()
            page.screenshot(path=str(tmp_path / "viewer.png"), full_page=True)

            page.select_option("#filter-iteration", "1")  # a filter narrows the list
            assert page.locator("#groups .group").count() == len(first_iteration)
            page.select_option("#filter-iteration", "")
            category = trajectories[0]["task"]["metadata"]["category"]  # toy: length-N
            page.select_option("#filter-category", category)
            in_category = {t["group_id"] for t in trajectories
                           if t["task"]["metadata"]["category"] == category}
            assert 0 < page.locator("#groups .group").count() == len(in_category) < len(groups)
            page.select_option("#filter-category", "")
            page.select_option("#filter-outcome", "success")
            wins = {t["group_id"] for t in trajectories if t["success"]}
            assert page.locator("#groups .group").count() == len(wins)

            page.select_option("#filter-outcome", "all")
            page.locator(".group[data-group='gui/demo']").click()
            page.wait_for_selector("#detail .member img")
            widths = page.eval_on_selector_all("#detail img", "els => els.map(e => e.naturalWidth)")
            assert widths == [16, 16]  # the base64 one and the images/<sha>.png file

            page.select_option("#filter-source", "eval")
            page.locator("#count", has_text=re.compile(r"^2 trajectories")).wait_for()
            page.select_option("#filter-outcome", "errored")
            assert page.locator("#groups .group").count() == 2
            page.locator("#groups .group").first.click()
            page.wait_for_selector("#detail .member.errored .error")
            error = page.inner_text("#detail .member.errored .error")
            assert "policy failed: openai endpoint" in error
            assert csp_violations(page, console) == []  # the page runs under its CSP
        finally:
            browser.close()
    assert (tmp_path / "viewer.png").stat().st_size > 10_000
    if artifacts := os.environ.get("AGENTRL_ARTIFACTS"):
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "viewer.png", Path(artifacts) / "viewer.png")


# -- hardening (issue 26) ------------------------------------------------------------------

PLANTED = ("evil.html", "images/evil.svg", "checkpoints/iter-9/trainer.pt", "recipe.yaml",
           "notes.txt")


@pytest.fixture(scope="module")
def hostile(run: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the run with files planted in it and a torn last metrics line."""
    folder = tmp_path_factory.mktemp("hostile") / "viewed"
    shutil.copytree(run, folder)
    for name in PLANTED:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("<svg xmlns='http://www.w3.org/2000/svg'>"
                                   "<script>alert(1)</script></svg>")
    with (folder / "metrics.jsonl").open("a") as file:
        file.write('{"iteration": 3, "rollout/succ')  # what a full disk leaves
    return folder


@contextlib.contextmanager
def serving(folder: Path, host: str = "127.0.0.1") -> Iterator[tuple[Any, int]]:
    server = make_server(folder, host=host, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def fetch(port: int, path: str, host: str | None) -> http.client.HTTPResponse:
    """GET ``path`` from 127.0.0.1:``port`` with this Host header (None: none at all)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.putrequest("GET", path, skip_host=True)
    if host is not None:
        connection.putheader("Host", host)
    connection.endheaders()
    reply = connection.getresponse()
    reply.read()
    connection.close()
    return reply


def test_a_foreign_host_header_is_refused(run: Path) -> None:
    with serving(run) as (_, port):
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}"):
            assert fetch(port, "/api/run", host).status == 200, host
        for host in (f"evil.example:{port}", "evil.example", f"127.0.0.1.evil.example:{port}",
                     f"localhost:{port + 1}", "", None):  # DNS rebinding keeps the port
            reply = fetch(port, "/api/run", host)
            assert reply.status == 403, host
            assert reply.headers["X-Content-Type-Options"] == "nosniff"


def test_a_wildcard_bind_warns_and_accepts_addresses_not_names(run: Path, capsys) -> None:
    with serving(run, host="0.0.0.0") as (_, port):
        warning = capsys.readouterr().err.splitlines()
        assert warning == [f"warning: agentrl view listens on 0.0.0.0:{port}, beyond this "
                           "machine: anyone who can reach it can read this run (no "
                           "authentication)"]
        assert fetch(port, "/api/run", f"192.0.2.7:{port}").status == 200  # a LAN address
        assert fetch(port, "/api/run", f"{socket.gethostname()}:{port}").status == 200
        assert fetch(port, "/api/run", f"evil.example:{port}").status == 403
    with serving(run):
        assert capsys.readouterr().err == ""  # localhost: no warning


def test_view_command_warns_for_0_0_0_0(run: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "agentrl", "view", str(run), "--host",
                                "0.0.0.0", "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        first = process.stderr.readline()
    finally:
        process.terminate()
        process.wait(timeout=20)
    assert first.startswith("warning: agentrl view listens on 0.0.0.0:")


def test_only_the_runs_known_artifacts_are_served(hostile: Path) -> None:
    sha = next((hostile / "images").glob("*.png")).name
    expected = {"report.md": "text/plain; charset=utf-8", "learning_curves.png": "image/png",
                "metrics.jsonl": "text/plain; charset=utf-8", "eval.json": "application/json",
                "samples.jsonl": "text/plain; charset=utf-8", f"images/{sha}": "image/png"}
    assert {name for name in expected if (hostile / name).exists()} == set(expected)
    with serving(hostile) as (_, port):
        host = f"127.0.0.1:{port}"
        for name, kind in expected.items():
            reply = fetch(port, f"/files/{name}", host)
            assert (reply.status, reply.headers["Content-Type"]) == (200, kind), name
            assert reply.headers["X-Content-Type-Options"] == "nosniff"
            assert reply.headers["Content-Security-Policy"].startswith("default-src 'none'")
        assert any((hostile / "checkpoints").glob("iter-*/model"))  # the run's own checkpoint
        for name in (*PLANTED, "checkpoints/latest", "images/../recipe.yaml", "images"):
            assert fetch(port, f"/files/{name}", host).status == 404, name


def test_page_and_api_headers(hostile: Path) -> None:
    with serving(hostile) as (_, port):
        page = fetch(port, "/", f"localhost:{port}")
        policy = page.headers["Content-Security-Policy"]
        assert page.status == 200 and page.headers["X-Content-Type-Options"] == "nosniff"
        assert re.search(r"script-src 'sha256-[A-Za-z0-9+/]{43}='; style-src 'sha256-", policy)
        assert "unsafe-inline" not in policy and "default-src 'none'" in policy
        api = fetch(port, "/api/run", f"localhost:{port}")
        assert api.headers["X-Content-Type-Options"] == "nosniff"
        assert api.headers["Content-Security-Policy"].startswith("default-src 'none'")


def test_torn_lines_are_skipped_and_noted(hostile: Path, tmp_path: Path) -> None:
    data = RunData(hostile).run()
    assert [row["iteration"] for row in data["metrics"]] == [0, 1, 2]
    torn = len((hostile / "metrics.jsonl").read_text().splitlines())
    assert len(data["notes"]) == 1 and data["notes"][0].startswith(
        f"metrics.jsonl: line {torn} skipped")
    (tmp_path / "metrics.jsonl").write_text('{"iteration": 0, "loss": 1.5}\n')
    (tmp_path / "eval.json").write_text('{"split": "heldout", "succ')
    data = RunData(tmp_path).run()
    assert data["eval"] is None and data["metrics"] == [{"iteration": 0, "loss": 1.5}]
    assert data["notes"][0].startswith("eval.json skipped, it is not JSON")


@pytest.mark.slow
def test_page_loads_under_its_csp_with_a_torn_metrics_line(hostile: Path) -> None:
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver, serving(hostile) as (server, port):
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            console = watch_csp(page)
            page.goto(f"http://localhost:{port}/")
            page.wait_for_selector("body[data-ready='1']")
            assert page.locator(".chart[data-metric='rollout/success']").count() == 1
            assert "metrics.jsonl: line" in page.inner_text("#notes")
            assert page.locator("#groups .group").count() > 0
            assert csp_violations(page, console) == []

            # the check can fail: a policy with a wrong script hash stops the page
            server.RequestHandlerClass.policy = server.RequestHandlerClass.policy.replace(
                "script-src 'sha256-", "script-src 'sha256-x")
            page = browser.new_page()
            console = watch_csp(page)
            page.goto(f"http://localhost:{port}/")
            page.wait_for_timeout(500)
            assert page.evaluate("document.body.dataset.ready") is None
            assert any(v.startswith("script-src") for v in csp_violations(page, console))
        finally:
            browser.close()
