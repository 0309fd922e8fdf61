"""The build hooks' small parts: the nav keeps every entry but a missing optional page."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from tests.docs.conftest import ROOT


def load_hook(name: str):
    """Import ``docs/_hooks/<name>.py`` as MkDocs does (by path)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / "_hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_nav_drops_only_missing_optional_pages(tmp_path: Path) -> None:
    hook = load_hook("optional_pages")
    (tmp_path / "concepts").mkdir()
    (tmp_path / "concepts" / "speed.md").write_text("# Speed\n")
    nav = [{"Home": "index.md"},
           {"Concepts": [{"Speed": "concepts/speed.md"}, {"Async": "concepts/async.md"},
                         {"Gone": "concepts/gone.md"}]}]
    assert hook.prune(nav, tmp_path) == [
        {"Home": "index.md"},
        {"Concepts": [{"Speed": "concepts/speed.md"}, {"Gone": "concepts/gone.md"}]},
    ]  # async.md is optional and missing; gone.md is not optional: strict mode reports it


def test_api_layout_maps_the_folders_setup_py_maps(tmp_path: Path) -> None:
    hook = load_hook("api_layout")
    mapped = hook.mapped_folders(ROOT / "setup.py")
    assert mapped["agentrl.sandbox"] == "sandbox"
    layout = hook.lay_out(ROOT) / "agentrl"
    for namespace, folder in mapped.items():
        assert (layout / namespace.split(".")[1]).resolve() == (ROOT / folder).resolve()
    assert (layout / "core").resolve() == ROOT / "agentrl" / "core"
