"""The HTML site: served by uvicorn, shopped in headless Chromium through Playwright."""

import shutil
import urllib.request

import pytest

from agentrl.environments.webshop.engine import Element
from agentrl.environments.webshop.oracle import goal_query
from agentrl.environments.webshop.server import BackgroundServer, create_app, render_html
from agentrl.environments.webshop.shop import load_shop

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def site():
    server = BackgroundServer(create_app(load_shop(500, 0)))
    yield server
    server.stop()


def test_render_html_escapes_text_and_marks_selected_options():
    page = render_html(
        [
            Element("option", "<b>red</b>", group="color", selected=True),
            Element("button", "Buy Now"),
        ]
    )
    assert "&lt;b&gt;red&lt;/b&gt;" in page and "<b>red</b>" not in page
    assert 'class="option selected"' in page and 'class="btn buy"' in page


def test_site_serves_the_search_page(site):
    with urllib.request.urlopen(f"{site.url}/?split=heldout&task=0") as response:
        page = response.read().decode()
    assert 'id="search_input"' in page and 'id="instruction-text"' in page


@pytest.mark.slow
def test_shopping_in_chromium_reaches_the_score_page(site, tmp_path):
    playwright = pytest.importorskip("playwright.sync_api")
    shop = load_shop(500, 0)
    goal = shop.goals["heldout"][0]
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(f"{site.url}/?split=heldout&task=0")
            assert goal["instruction_text"] in page.inner_text("#instruction-text")
            page.screenshot(path=str(tmp_path / "1_search.png"))
            page.fill("#search_input", goal_query(goal))
            page.click("text=Search")
            page.wait_for_selector("button.product-link")
            page.screenshot(path=str(tmp_path / "2_results.png"))
            page.click(f"button.product-link:text-is('{goal['asin']}')")
            page.wait_for_selector("button.buy")
            for value in goal["goal_options"].values():
                page.click(f"button.option:text-is('{value}')")
                page.wait_for_selector(f"button.option.selected:text-is('{value}')")
            page.screenshot(path=str(tmp_path / "3_item.png"), full_page=True)
            page.click("button.buy")
            score = page.inner_text("#reward")
            page.screenshot(path=str(tmp_path / "4_done.png"))
        finally:
            browser.close()
    assert float(score) == 1.0
    assert all((tmp_path / name).stat().st_size > 0 for name in ("1_search.png", "4_done.png"))


def test_invalid_action_on_the_site_shows_an_error(site):
    with urllib.request.urlopen(f"{site.url}/?split=heldout&task=1") as response:
        session_url = response.geturl()
    post = urllib.request.Request(f"{session_url}act", data=b"action=click%5Bnowhere%5D")
    with urllib.request.urlopen(post) as response:
        page = response.read().decode()
    assert "Invalid action: &#x27;nowhere&#x27; is not clickable on this page." in page
