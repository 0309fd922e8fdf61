"""The built site in the project's headless Chromium: the main pages render (a heading, the
navigation, no 404), and the search box finds a recipe field in the generated recipe
reference. Screenshots are kept in ``runs/docs-screenshots/`` (printed)."""

from __future__ import annotations

import contextlib
import functools
import shutil
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.docs.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu"]
SCREENSHOTS = ROOT / "runs" / "docs-screenshots"

# page path → a phrase its main heading holds
MAIN_PAGES = {
    "": "agentrl",
    "getting-started/": "Getting started",
    "concepts/episode-api/": "The episode API",
    "concepts/credit/": "The credit pipeline",
    "environments/": "Environments",
    "methods/": "Methods",
    "results/benchmarks/": "Benchmarks",
    "results/credit/": "Credit results",
    "reference/recipe/": "Recipe reference",
    "reference/cli/": "Command-line reference",
    "reference/api/core/": "agentrl.core",
}


class QuietHandler(SimpleHTTPRequestHandler):
    """Serves the site's folder without logging each request."""

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
        """Stay quiet."""


@contextlib.contextmanager
def serving(site: Path) -> Iterator[str]:
    """The site over HTTP on a free local port (search runs in a web worker: not file://)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler,
                                                                     directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def browser_page(built_site: Path) -> Iterator[tuple[object, str]]:
    """A Chromium page and the served site's base URL."""
    playwright = pytest.importorskip("playwright.sync_api")
    with serving(built_site) as url, playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser.new_page(viewport={"width": 1280, "height": 900}), url
        finally:
            browser.close()


def keep(page: object, name: str) -> Path:
    """Save a screenshot in `SCREENSHOTS` and print where."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"docs screenshot: {path}")
    return path


def test_main_pages_render(browser_page: tuple[object, str]) -> None:
    page, url = browser_page
    for path, heading in MAIN_PAGES.items():
        response = page.goto(url + path)
        assert response is not None and response.status == 200, path
        title = page.locator("article h1").first.inner_text()
        assert heading in title, f"{path}: heading {title!r}"
        assert page.locator("nav.md-nav").count() > 0  # the theme's navigation rendered
        assert page.locator("article").inner_text().strip()
        shot = keep(page, path.strip("/").replace("/", "-") or "home")
        assert shot.stat().st_size > 0
    response = page.goto(url + "no-such-page/")
    assert response is not None and response.status == 404


def test_search_finds_a_recipe_field(browser_page: tuple[object, str]) -> None:
    page, url = browser_page
    page.goto(url)
    page.locator("input.md-search__input").click()  # the header's search box
    page.keyboard.type("dist_timeout_s")
    results = page.locator(".md-search-result__item a")
    results.first.wait_for(timeout=30_000)
    hrefs = [results.nth(i).get_attribute("href") for i in range(results.count())]
    assert any("reference/recipe/" in href for href in hrefs), hrefs
    keep(page, "search-dist_timeout_s")
    page.locator(".md-search-result__item a[href*='reference/recipe/']").first.click()
    page.wait_for_url("**/reference/recipe/**")
    assert "trainer.dist_timeout_s" in page.locator("article").inner_text()
