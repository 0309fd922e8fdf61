"""Rendering screens in headless Chromium (playwright) with a page pool and a disk cache.

Playwright's sync API must be driven from the thread that started it, and envs are stepped
from the rollout's worker threads, so one `Renderer` owns a dedicated thread that runs every
browser call; callers wait on its results. Pages are reused (one per viewport size, `pool`)
unless ``fresh_pages`` asks for a new page per screen, which `benchmarks/gui_render.py`
compares. Rendered screens (PNG + boxes + accessibility nodes) are cached on disk by spec.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import queue
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from agentrl.core.splits import cache_dir
from agentrl.environments.gui.screens import ElementInfo, ScreenSpec, build_screen

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
GENERATOR_VERSION = 2  # bump when screens or the probe change: the cache key includes it

# Boxes of the elements that are visible and uncovered: non-empty, inside the viewport,
# not hidden, and the element (or a descendant) is what is hit at the box's centre.
PROBE_JS = """() => {
  const W = window.innerWidth, H = window.innerHeight;
  const shown = (el) => {
    const r = el.getBoundingClientRect(), s = getComputedStyle(el);
    if (r.width < 4 || r.height < 4 || s.visibility === 'hidden' || s.display === 'none'
        || parseFloat(s.opacity) === 0) return null;
    const x1 = Math.max(0, r.left), y1 = Math.max(0, r.top);
    const x2 = Math.min(W, r.right), y2 = Math.min(H, r.bottom);
    if (x2 - x1 < 4 || y2 - y1 < 4) return null;
    const hit = document.elementFromPoint((x1 + x2) / 2, (y1 + y2) / 2);
    if (!hit || !(hit === el || el.contains(hit))) return null;
    return [x1, y1, x2, y2];
  };
  const out = [];
  const sel = '[data-gid], h1, h2, h3, .title, td, p, b, .row > span:first-child';
  for (const el of document.querySelectorAll(sel)) {
    if (!el.dataset.gid && el.querySelector('[data-gid]')) continue;
    const box = shown(el);
    if (!box) continue;
    const name = el.getAttribute('aria-label') || el.getAttribute('title')
      || (el.tagName === 'INPUT' ? el.placeholder : el.innerText.trim());
    const role = el.getAttribute('role') || {BUTTON: 'button', A: 'link', INPUT: 'textbox',
      H1: 'heading', H2: 'heading', H3: 'heading'}[el.tagName]
      || (el.classList.contains('title') ? 'heading' : 'text');
    out.push({gid: el.dataset.gid || null, role, name: name.slice(0, 80), box});
  }
  return out;
}"""


@dataclass
class RenderedScreen:
    """A rendered screen: its PNG, size, and the visible, uncovered nodes in page order.

    ``nodes``: dicts with ``gid`` (None for headings), ``role``, ``name`` and ``box``
    (x1, y1, x2, y2 in screenshot pixels); ``elements``: the generator's target candidates.
    """

    spec: ScreenSpec
    png: bytes
    width: int
    height: int
    nodes: list[dict[str, Any]]
    elements: dict[str, ElementInfo]

    def targets(self) -> list[dict[str, Any]]:
        """Visible nodes that are target candidates, with their generator info."""
        return [{**node, **asdict(self.elements[node["gid"]])} for node in self.nodes
                if node["gid"] in self.elements]


class Renderer:
    """Renders `ScreenSpec` pages in one headless Chromium, on a thread of its own.

    Args:
        fresh_pages: open a new page per screen instead of reusing the pool's page for
            that viewport size (slower; for benchmarks).
    """

    def __init__(self, fresh_pages: bool = False) -> None:
        self.fresh_pages = fresh_pages
        self._jobs: queue.Queue[tuple[Callable[..., Any], tuple, Future] | None] = queue.Queue()
        self._ready: Future = Future()
        self._thread = threading.Thread(target=self._serve, name="gui-renderer", daemon=True)
        self._thread.start()
        self._ready.result()

    def _serve(self) -> None:
        try:
            from playwright.sync_api import sync_playwright

            driver = sync_playwright().start()
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - reported to the constructor's caller
            self._ready.set_exception(RuntimeError(
                f"gui: cannot start headless Chromium ({CHROMIUM}) through playwright: {error}"))
            return
        self._browser, self._pool = browser, {}
        self._ready.set_result(None)
        while (job := self._jobs.get()) is not None:
            function, args, future = job
            try:
                future.set_result(function(*args))
            except Exception as error:  # noqa: BLE001 - handed to the waiting caller
                future.set_exception(error)
        browser.close()
        driver.stop()

    def _call(self, function: Callable[..., Any], *args: Any) -> Any:
        if not self._thread.is_alive():
            raise RuntimeError("gui: the renderer is closed")
        future: Future = Future()
        self._jobs.put((function, args, future))
        return future.result()

    def _page(self, spec: ScreenSpec) -> Any:
        size = (spec.width, spec.height)
        if self.fresh_pages:
            return self._browser.new_page(viewport={"width": size[0], "height": size[1]})
        if size not in self._pool:
            self._pool[size] = self._browser.new_page(
                viewport={"width": size[0], "height": size[1]})
        return self._pool[size]

    def _render(self, spec: ScreenSpec) -> RenderedScreen:
        page_html, elements = build_screen(spec)
        page = self._page(spec)
        try:
            page.set_content(page_html)
            nodes = page.evaluate(PROBE_JS)
            png = page.screenshot(type="png")
        finally:
            if self.fresh_pages:
                page.close()
        return RenderedScreen(spec, png, spec.width, spec.height, nodes, elements)

    def render(self, spec: ScreenSpec) -> RenderedScreen:
        """Render ``spec`` now (no cache)."""
        return self._call(self._render, spec)

    def _click(self, spec: ScreenSpec, x: float, y: float) -> str | None:
        page = self._page(spec)
        page.set_content(build_screen(spec)[0])
        page.evaluate("""() => { window.__clicked = null; document.addEventListener('click',
          (e) => { const t = e.target.closest('[data-gid]');
                   window.__clicked = t ? t.dataset.gid : ''; }, true); }""")
        page.mouse.click(x, y)
        clicked = page.evaluate("() => window.__clicked")
        if self.fresh_pages:
            page.close()
        return clicked

    def click(self, spec: ScreenSpec, x: float, y: float) -> str | None:
        """Click the page of ``spec`` at CSS pixel (x, y); the gid the click landed on
        ('' for no target, None when no click event fired)."""
        return self._call(self._click, spec, x, y)

    def close(self) -> None:
        """Close the browser and stop the thread; safe to call twice."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=30)


_shared: Renderer | None = None
_shared_lock = threading.Lock()


def shared_renderer() -> Renderer:
    """This process's renderer, started on first use and closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Renderer()
            atexit.register(_shared.close)
        return _shared


def spec_key(spec: ScreenSpec) -> str:
    """The cache key of a spec (it changes with `GENERATOR_VERSION`)."""
    payload = json.dumps([GENERATOR_VERSION, spec.model_dump()], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


class ScreenCache:
    """Rendered screens on disk: ``<key>.png`` and ``<key>.json`` under ``root``."""

    def __init__(self, root: str | Path | None = None,
                 renderer: Callable[[], Renderer] = shared_renderer) -> None:
        self.root = Path(root) if root else cache_dir("gui") / "screens"
        self.root.mkdir(parents=True, exist_ok=True)
        self._renderer = renderer
        self._memory: dict[str, RenderedScreen] = {}
        self._lock = threading.Lock()

    def get(self, spec: ScreenSpec) -> RenderedScreen:
        """The rendered screen of ``spec``, rendering and storing it on a miss."""
        key = spec_key(spec)
        with self._lock:
            if key in self._memory:
                return self._memory[key]
        png_path, meta_path = self.root / f"{key}.png", self.root / f"{key}.json"
        if png_path.exists() and meta_path.exists():
            screen = RenderedScreen(spec, png_path.read_bytes(), spec.width, spec.height,
                                    json.loads(meta_path.read_text()), build_screen(spec)[1])
        else:
            screen = self._renderer().render(spec)
            png_path.write_bytes(screen.png)
            tmp = meta_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(screen.nodes))
            tmp.replace(meta_path)
        with self._lock:
            if len(self._memory) > 256:
                self._memory.clear()
            self._memory[key] = screen
        return screen
