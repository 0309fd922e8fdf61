"""`agentrl view` over a real run (a tiny training run on toy/corridor, then an eval
against a dead OpenAI-compatible endpoint, whose episodes all error): the JSON API, and the
page in headless Chromium — it loads, a group's trajectories open side by side, the
filters narrow the list, screenshots (base64 and content-addressed files) show inline.
A screenshot of the page is kept (``viewer.png`` in the test's tmp folder, and in
``$AGENTRL_ARTIFACTS`` when set)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import socket
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
from agentrl.eval.viewer import image_url, iteration_of, make_server
from agentrl.train import eval_only, train

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
    with urllib.request.urlopen(f"{url}/files/recipe.yaml") as reply:
        assert reply.status == 200
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
            page.wait_for_function("document.querySelector('#count').textContent"
                                   ".startsWith('2 trajectories')")
            page.select_option("#filter-outcome", "errored")
            assert page.locator("#groups .group").count() == 2
            page.locator("#groups .group").first.click()
            page.wait_for_selector("#detail .member.errored .error")
            error = page.inner_text("#detail .member.errored .error")
            assert "policy failed: openai endpoint" in error
        finally:
            browser.close()
    assert (tmp_path / "viewer.png").stat().st_size > 10_000
    if artifacts := os.environ.get("AGENTRL_ARTIFACTS"):
        Path(artifacts).mkdir(parents=True, exist_ok=True)
        shutil.copy(tmp_path / "viewer.png", Path(artifacts) / "viewer.png")
