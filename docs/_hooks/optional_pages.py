"""MkDocs hook: pages the nav names that other work adds when it lands (``OPTIONAL``); an
entry for one that does not exist yet is left out of the nav instead of failing the build.
Every other nav entry must exist (``mkdocs build --strict`` fails otherwise)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

OPTIONAL = {"concepts/speed.md", "concepts/async.md"}


def prune(nav: Any, docs_dir: Path) -> Any:
    """``nav`` without the entries of `OPTIONAL` pages missing from ``docs_dir``."""
    if isinstance(nav, list):
        kept = [prune(item, docs_dir) for item in nav]
        return [item for item in kept if item is not None]
    if isinstance(nav, dict):
        (title, value), = nav.items()
        value = prune(value, docs_dir)
        return None if value is None else {title: value}
    if isinstance(nav, str) and nav in OPTIONAL and not (docs_dir / nav).is_file():
        return None
    return nav


def on_config(config: Any) -> Any:
    """Prune the nav before the build reads it."""
    if config["nav"] is not None:
        config["nav"] = prune(config["nav"], Path(config["docs_dir"]))
    return config
