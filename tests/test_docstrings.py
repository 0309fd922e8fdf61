"""Every public name in the package's source folders carries a docstring.

Public: a module-level function or class whose name does not start with ``_``,
and a method (properties included) not starting with ``_`` of such a class.
Overloads decorated with ``typing.overload`` are skipped. Files under
``environments/swe/projects/`` are fixture projects (data for an environment)
and are not checked.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("agentrl", "environments", "rewards", "sandbox")
EXCLUDED = (Path("environments") / "swe" / "projects",)

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _is_overload(node: ast.AST) -> bool:
    """Whether ``node`` is decorated with ``overload`` / ``typing.overload``."""
    for dec in getattr(node, "decorator_list", ()):
        if isinstance(dec, ast.Name) and dec.id == "overload":
            return True
        if isinstance(dec, ast.Attribute) and dec.attr == "overload":
            return True
    return False


def _public(node: ast.AST) -> bool:
    return isinstance(node, _DEFS) and not node.name.startswith("_") and not _is_overload(node)


def source_files() -> list[Path]:
    """The ``.py`` files checked, relative to the repository root."""
    files = []
    for folder in FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if any(rel.is_relative_to(ex) for ex in EXCLUDED):
                continue
            files.append(rel)
    return files


def missing_docstrings(rel: Path) -> list[tuple[str, int, str]]:
    """``(path, line, name)`` of each public name in ``rel`` without a docstring."""
    tree = ast.parse((ROOT / rel).read_text(encoding="utf-8"), filename=str(rel))
    path = rel.as_posix()
    missing = []
    for node in tree.body:
        if not _public(node):
            continue
        if ast.get_docstring(node) is None:
            missing.append((path, node.lineno, node.name))
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if _public(item) and not isinstance(item, ast.ClassDef):
                    if ast.get_docstring(item) is None:
                        missing.append((path, item.lineno, f"{node.name}.{item.name}"))
    return missing


def _all_missing() -> list[tuple[str, int, str]]:
    return [entry for rel in source_files() for entry in missing_docstrings(rel)]


def test_sources_found():
    files = source_files()
    assert any(f.parts[0] == "agentrl" for f in files)
    assert any((ROOT / EXCLUDED[0]).rglob("*.py")), "the exclusion names no fixture files"
    assert not any(f.is_relative_to(EXCLUDED[0]) for f in files)


def test_every_public_name_has_a_docstring():
    missing = [f"{path}:{line} {name}" for path, line, name in _all_missing()]
    assert not missing, f"{len(missing)} public name(s) without a docstring:\n" + "\n".join(
        missing
    )
