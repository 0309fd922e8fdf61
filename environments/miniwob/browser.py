"""MiniWoB++ pages in headless Chromium (playwright), on a virtual clock.

MiniWoB++ tasks run on real time: ``core.startEpisodeReal`` arms a ``setTimeout`` that ends
the episode with reward -1 after ``core.EPISODE_MAX_TIME`` ms, and a positive reward is
scaled by ``1 - elapsed / EPISODE_MAX_TIME``. Here each page runs on playwright's fake clock
(``page.clock``): it is paused, set to the same instant at every reset, and advanced by a
fixed number of milliseconds after each action (``run_for``), so timers, animations, the
time limit and the time-scaled reward depend only on the actions taken, never on how fast
the machine is. With ``Math.seedrandom(seed)`` before the task generates its problem
(as the package's Selenium driver does), an episode is a function of (task, seed, actions).

One `Browser` per process owns Chromium and a thread that makes every playwright call
(playwright's sync API is bound to the thread that started it; envs are stepped from the
rollout's worker threads). Each env holds a `Tab` (a browser context and its page).
"""

from __future__ import annotations

import atexit
import queue
import shutil
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
WINDOW = {"width": 500, "height": 320}  # miniwob.constants WINDOW_WIDTH / WINDOW_HEIGHT
TASK_AREA = {"x": 0, "y": 0, "width": 160, "height": 210}  # TASK_WIDTH x TASK_HEIGHT
CLOCK_START_S = 1_500_000_000  # the instant every episode starts at (2017-07-14, UTC)

# One round trip: the utterance, the DOM as core.getDOMInfo gives it (it also refreshes the
# ref -> element map core.elementClick uses), and the episode's reward globals.
OBSERVE_JS = """() => {
  const u = core.getUtterance();
  return {utterance: (typeof u === 'string') ? u : u.utterance,
          fields: (typeof u === 'string') ? null : u.fields, dom: core.getDOMInfo(),
          done: WOB_DONE_GLOBAL, env_reward: WOB_REWARD_GLOBAL,
          raw_reward: WOB_RAW_REWARD_GLOBAL, reason: WOB_REWARD_REASON};
}"""
# Images a page shows through CSS (``content: url(…)``, backgrounds) load asynchronously after
# the script that made their elements returns; until then those elements have no box and
# core.getDOMInfo leaves them out (email-inbox's trash and star icons, for one). Before every
# read of the page, request each image the page uses and wait until all have loaded (or
# failed), so that what is read depends only on (task, seed, actions), not on load timing.
SETTLE_JS = """async () => {
  const urls = new Set();
  const props = ['content', 'background-image', 'list-style-image', 'border-image-source'];
  for (const el of document.querySelectorAll('*')) {
    if (el.tagName === 'IMG' && el.currentSrc) urls.add(el.currentSrc);
    for (const pseudo of [null, '::before', '::after']) {
      const style = getComputedStyle(el, pseudo);
      for (const prop of props) {
        const value = style.getPropertyValue(prop);
        for (const m of value.matchAll(/url\\(\\s*(['"]?)(.*?)\\1\\s*\\)/g)) urls.add(m[2]);
      }
    }
  }
  await Promise.all([...urls].map((url) => {
    const image = new Image();
    image.src = url;
    return image.decode().catch(() => null);
  }));
  if (document.fonts) await document.fonts.ready;
  return urls.size;
}"""
START_JS = """([seed, mode]) => {
  Math.seedrandom(seed); core.setDataMode(mode); core.startEpisodeReal();
}"""


class Browser:
    """Headless Chromium with a thread of its own that runs every playwright call."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future] | None] = queue.Queue()
        self._ready: Future = Future()
        self._thread = threading.Thread(target=self._serve, name="miniwob-browser", daemon=True)
        self._thread.start()
        self._ready.result()

    def _serve(self) -> None:
        try:
            from playwright.sync_api import sync_playwright

            driver = sync_playwright().start()
            self.chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:  # noqa: BLE001 - reported to the constructor's caller
            self._ready.set_exception(RuntimeError(
                f"miniwob: cannot start headless Chromium ({CHROMIUM}) through playwright: "
                f"{error}; install it with `apt-get install -y chromium` and "
                "`pip install playwright`"))
            return
        self._ready.set_result(None)
        while (job := self._jobs.get()) is not None:
            function, future = job
            try:
                future.set_result(function())
            except Exception as error:  # noqa: BLE001 - handed to the waiting caller
                future.set_exception(error)
        self.chromium.close()
        driver.stop()

    def call(self, function: Callable[[], Any]) -> Any:
        """Run ``function`` on the browser thread and return its result (or raise its error)."""
        if not self._thread.is_alive():
            raise RuntimeError("miniwob: the browser is closed")
        future: Future = Future()
        self._jobs.put((function, future))
        return future.result()

    def close(self) -> None:
        """Close Chromium and stop the thread; safe to call twice."""
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join(timeout=30)


_shared: Browser | None = None
_shared_lock = threading.Lock()


def shared_browser() -> Browser:
    """This process's browser, started on first use and closed at exit."""
    global _shared
    with _shared_lock:
        if _shared is None or not _shared._thread.is_alive():
            _shared = Browser()
            atexit.register(_shared.close)
        return _shared


class Tab:
    """One env's page: a browser context on a paused fake clock, 500x320 like MiniWoB's window.

    Every method runs on the browser thread. ``step_ms`` is how far the clock moves after each
    action (`advance`).
    """

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self._page: Any = None
        self._context: Any = None
        browser.call(self._open)

    def _open(self) -> None:
        self._context = self.browser.chromium.new_context(viewport=WINDOW)
        self._page = self._context.new_page()
        self._page.clock.install(time=CLOCK_START_S)
        self._page.clock.pause_at(CLOCK_START_S + 1)

    def start(self, url: str, seed: int, mode: str) -> None:
        """Load ``url`` afresh, set the clock to the episode start, seed and start the task."""
        def run() -> None:
            self._page.goto(url)
            self._page.clock.set_system_time(CLOCK_START_S + 1)
            self._page.evaluate(START_JS, [seed, mode])
        self.browser.call(run)

    def observe(self, screenshot: bool) -> tuple[dict[str, Any], bytes | None]:
        """The page's state (`OBSERVE_JS`) and, when asked, a PNG of the task area."""
        def run() -> tuple[dict[str, Any], bytes | None]:
            self._page.evaluate(SETTLE_JS)
            state = self._page.evaluate(OBSERVE_JS)
            png = self._page.screenshot(clip=TASK_AREA, type="png") if screenshot else None
            return state, png
        return self.browser.call(run)

    def perform(self, action: Callable[[Any], Any], step_ms: int) -> Any:
        """Run ``action(page)``, then let ``step_ms`` of page time pass; its result."""
        def run() -> Any:
            try:
                return action(self._page)
            finally:
                self._page.clock.run_for(step_ms)
        self.browser.call(run)

    def close(self) -> None:
        """Close the context (the browser stays up for other tabs); safe to call twice."""
        context, self._context = self._context, None
        if context is not None and self.browser._thread.is_alive():
            self.browser.call(context.close)
