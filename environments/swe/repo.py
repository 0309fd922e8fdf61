"""Repository snapshots: the shipped projects, a task's buggy checkout, and diffs."""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

PROJECTS_DIR = Path(__file__).parent / "projects"
_SKIP_PARTS = {"__pycache__", ".pytest_cache", ".git"}


def list_projects() -> list[str]:
    """Names of the shipped projects, sorted."""
    return sorted(p.name for p in PROJECTS_DIR.iterdir() if (p / "tests").is_dir())


def read_tree(root: Path) -> dict[str, str]:
    """Every text file under ``root`` as {relative posix path: content}, sorted by path."""
    files = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if path.is_file() and not _SKIP_PARTS.intersection(relative.parts):
            try:
                files[relative.as_posix()] = path.read_text()
            except UnicodeDecodeError:
                continue
    return files


def project_files(name: str) -> dict[str, str]:
    """The files of shipped project ``name``, without its packaging marker."""
    root = PROJECTS_DIR / name
    if not (root / "tests").is_dir():
        raise ValueError(f"unknown project {name!r}; projects: {', '.join(list_projects())}")
    files = read_tree(root)
    files.pop("__init__.py", None)  # only there so setuptools ships the project
    return files


def write_tree(files: dict[str, str], dest: Path) -> None:
    """Write {relative path: content} under ``dest``."""
    for relative, content in files.items():
        target = dest / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)


def fingerprint(files: dict[str, str]) -> str:
    """A short content hash of a file tree (stands in for a commit id)."""
    digest = hashlib.sha1()
    for path, content in sorted(files.items()):
        digest.update(f"{path}\0{content}\0".encode())
    return digest.hexdigest()


def unified_diff(before: dict[str, str], after: dict[str, str]) -> str:
    """A ``git diff``-style patch (a/ b/ prefixes) turning ``before`` into ``after``."""
    chunks = []
    for path in sorted(set(before) | set(after)):
        old, new = before.get(path), after.get(path)
        if old == new:
            continue
        lines = difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (new or "").splitlines(keepends=True),
            fromfile=f"a/{path}" if old is not None else "/dev/null",
            tofile=f"b/{path}" if new is not None else "/dev/null",
        )
        chunks.append(f"diff --git a/{path} b/{path}\n" + "".join(_newline_terminated(lines)))
    return "".join(chunks)


def _newline_terminated(lines: object) -> list[str]:
    out = []
    for line in lines:  # type: ignore[attr-defined]
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return out
