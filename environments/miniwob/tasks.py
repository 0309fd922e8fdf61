"""The MiniWoB++ task catalogue: names, categories, time limits and seeded splits.

The task list is the `miniwob` package's own (the environment classes of
``miniwob.envs.miniwob_envs``, one per shipped page under ``miniwob/html/miniwob``); the
FlightWoB pages, which need a different window and an HTTP server, are left out. Every
episode of a task is fixed by one seed handed to the page's ``Math.seedrandom`` before the
task generates its problem, so a split is a list of seeds (`agentrl.core.splits.split_seed`).
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from agentrl.core.splits import split_seed
from agentrl.core.types import Task

DEFAULT_SPLIT_SIZES = {"train": 500, "valid": 50, "heldout": 100}
DEFAULT_EPISODE_MS = 10_000  # core.js: core.EPISODE_MAX_TIME when a task does not set it

# agentrl's grouping of the tasks by what they ask of the agent (MiniWoB++ itself ships
# no categories). A task not listed here is in "click" (the package's largest group).
CATEGORIES: dict[str, tuple[str, ...]] = {
    "text-entry": (
        "copy-paste", "copy-paste-2", "enter-date", "enter-password", "enter-text",
        "enter-text-2", "enter-text-dynamic", "enter-time", "find-word", "form-sequence-2",
        "form-sequence-3", "guess-number", "login-user", "login-user-popup", "multi-layouts",
        "multi-orderings", "read-table", "read-table-2", "simple-algebra", "simple-arithmetic",
        "terminal", "text-transform", "unicode-test", "use-autocomplete",
        "use-autocomplete-nodelay",
    ),
    "widgets": (
        "choose-date", "choose-date-easy", "choose-date-medium", "choose-date-nodelay",
        "choose-list", "click-checkboxes", "click-checkboxes-large", "click-checkboxes-soft",
        "click-checkboxes-transfer", "click-option", "form-sequence", "number-checkboxes",
        "use-colorwheel", "use-colorwheel-2", "use-slider", "use-slider-2", "use-spinner",
    ),
    "mouse-drag": (
        "bisect-angle", "circle-center", "drag-box", "drag-circle", "drag-cube", "drag-items",
        "drag-items-grid", "drag-shapes", "drag-shapes-2", "drag-single-shape",
        "drag-sort-numbers", "draw-circle", "draw-line", "find-midpoint", "highlight-text",
        "highlight-text-2", "resize-textarea", "right-angle", "scroll-text", "scroll-text-2",
        "text-editor",
    ),
    "visual": (
        "ascending-numbers", "click-color", "click-pie", "click-pie-nodelay", "click-shades",
        "click-shape", "count-shape", "count-sides", "find-greatest", "generate-number",
        "grid-coordinate", "hot-cold", "identify-shape", "odd-or-even", "tic-tac-toe",
        "visual-addition",
    ),
    "multi-page": (
        "book-flight", "book-flight-nodelay", "buy-ticket", "daily-calendar", "email-inbox",
        "email-inbox-delete", "email-inbox-forward", "email-inbox-forward-nl",
        "email-inbox-forward-nl-turk", "email-inbox-important", "email-inbox-nl-turk",
        "email-inbox-noscroll", "email-inbox-reply", "email-inbox-star-reply",
        "navigate-tree", "order-food", "phone-book", "search-engine", "social-media",
        "social-media-all", "social-media-some", "stock-market",
    ),
}
_CATEGORY_OF = {name: category for category, names in CATEGORIES.items() for name in names}


@dataclass(frozen=True)
class TaskInfo:
    """One MiniWoB++ task: its page name, category, time limit and one-line description."""

    name: str
    category: str
    episode_ms: int
    description: str


def html_dir() -> Path:
    """The ``miniwob/html`` folder of the installed `miniwob` package."""
    try:
        import miniwob
    except ModuleNotFoundError as error:
        raise ModuleNotFoundError(
            "miniwob: the MiniWoB++ tasks need the `miniwob` package (pip install miniwob==1.1.0)",
            name="miniwob",
        ) from error
    return Path(miniwob.__file__).parent / "html"


def _episode_ms(page: Path) -> int:
    match = re.search(r"core\.EPISODE_MAX_TIME\s*=\s*(\d+)", page.read_text())
    return int(match.group(1)) if match else DEFAULT_EPISODE_MS


def _description(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    match = re.search(r"## Description\s+(.+?)(?:\n\n|$)", doc, re.S)
    return " ".join(match.group(1).split()) if match else ""


@cache
def catalogue() -> dict[str, TaskInfo]:
    """Every task of the installed `miniwob` package, by page name, in sorted order."""
    pages = html_dir() / "miniwob"
    from miniwob.envs import miniwob_envs

    found = {}
    for _, cls in inspect.getmembers(miniwob_envs, inspect.isclass):
        name = getattr(cls, "subdomain", None)
        if isinstance(name, str) and (pages / f"{name}.html").is_file():
            found[name] = TaskInfo(name, _CATEGORY_OF.get(name, "click"),
                                   _episode_ms(pages / f"{name}.html"), _description(cls))
    return dict(sorted(found.items()))


def task_names() -> list[str]:
    """The names of every task, sorted (``click-button``, ``enter-text``, …)."""
    return list(catalogue())


def task_info(name: str) -> TaskInfo:
    """The `TaskInfo` of ``name``; a clear error naming close matches when unknown."""
    tasks = catalogue()
    if name not in tasks:
        near = [n for n in tasks if name.split("-")[0] in n][:8] or list(tasks)[:8]
        raise ValueError(f"miniwob: unknown task {name!r}; e.g. {', '.join(near)} "
                         f"({len(tasks)} tasks: agentrl.environments.miniwob.task_names())")
    return tasks[name]


def make_tasks(env_id: str, names: list[str], split: str,
               sizes: dict[str, int]) -> list[Task]:
    """The tasks of ``split`` for each of ``names``: ``sizes[split]`` seeds per task."""
    if split not in sizes:
        raise ValueError(f"miniwob: unknown split {split!r}; splits: {', '.join(sizes)}")
    out = []
    for name in names:
        info = task_info(name)
        for index in range(sizes[split]):
            seed = split_seed(f"miniwob/{name}", split, index)
            out.append(Task(
                id=f"{name}/{split}/{index}", env_id=env_id, split=split,
                instruction=info.description,
                metadata={"task": name, "seed": seed, "category": info.category},
            ))
    return out
