"""MkDocs hook: the package as it installs, for mkdocstrings to read.

``setup.py`` maps the top-level folders ``environments/``, ``rewards/`` and ``sandbox/`` into
the ``agentrl`` namespace. griffe (mkdocstrings' reader) finds packages by their folders and
does not follow that mapping, so this hook lays out ``.cache/docs-api/agentrl/`` as a wheel
would: links to every entry of ``agentrl/``, plus one link per mapped folder. mkdocs.yml points
the Python handler's ``paths`` there."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

LAYOUT = Path(".cache") / "docs-api"


def mapped_folders(setup_py: Path) -> dict[str, str]:
    """``MAPPED_FOLDERS`` from setup.py (``{"agentrl.sandbox": "sandbox", …}``), read
    without running it."""
    for node in ast.parse(setup_py.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
                getattr(target, "id", None) == "MAPPED_FOLDERS" for target in node.targets):
            return ast.literal_eval(node.value)
    raise ValueError(f"{setup_py} defines no MAPPED_FOLDERS")


def lay_out(root: Path) -> Path:
    """Build ``root/.cache/docs-api/agentrl`` of symbolic links; return ``.cache/docs-api``."""
    layout = root / LAYOUT
    package = layout / "agentrl"
    if layout.exists():
        shutil.rmtree(layout)
    package.mkdir(parents=True)
    for entry in (root / "agentrl").iterdir():
        if entry.name != "__pycache__":
            (package / entry.name).symlink_to(entry)
    for namespace, folder in mapped_folders(root / "setup.py").items():
        (package / namespace.split(".", 1)[1]).symlink_to(root / folder)
    return layout


def on_startup(command: str, dirty: bool) -> None:
    """Lay out the package before mkdocstrings' handler reads its paths (when the plugins
    are configured, after this event)."""
    lay_out(Path(__file__).resolve().parents[2])
