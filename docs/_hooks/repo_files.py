"""MkDocs hook: files that live outside ``docs/`` but that pages link to, mounted into the site
at their repository paths, so a page's link to them is checked like any other (a link to a
missing result file fails ``mkdocs build --strict``).

- ``benchmarks/results/**``: Markdown result files become pages; PNG, JSON, TXT, JSONL and the
  rest are copied as they are.
- ``recipes/**.yaml`` and ``examples/*.py``: copied as they are.

A page at ``docs/X.md`` links to ``benchmarks/results/a.md`` as the site sees it
(``../benchmarks/results/a.md`` from ``docs/results/credit.md``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

MOUNTED = {
    "benchmarks/results": "**/*",
    "recipes": "**/*.yaml",
    "examples": "*.py",
}


def mounted_file(src_uri: str, root: Path, config: Any) -> Any:
    """A `File` for the repository file ``src_uri``: a page if Markdown, else copied."""
    from mkdocs.structure.files import File

    return File(src_uri, src_dir=str(root), dest_dir=config["site_dir"],
                use_directory_urls=config["use_directory_urls"])


def repository_root(config: Any) -> Path:
    """The folder holding ``mkdocs.yml`` (the repository root)."""
    return Path(config["config_file_path"]).resolve().parent


def mounted_files(root: Path) -> list[str]:
    """Repository-relative paths of every file mounted into the site, sorted."""
    paths = []
    for folder, pattern in MOUNTED.items():
        base = root / folder
        if base.is_dir():
            paths += [p.relative_to(root).as_posix() for p in base.glob(pattern)
                      if p.is_file() and "__pycache__" not in p.parts]
    return sorted(paths)


RESULTS = "benchmarks/results"


def results_index(paths: list[str]) -> str:
    """``benchmarks/results/index.md``: every result file, one section per folder."""
    lines = ["# Result files", "",
             "Every file under `benchmarks/results/`, as the benchmarks wrote them. What they "
             "measure: [Benchmarks](../../results/benchmarks.md), "
             "[Credit results](../../results/credit.md).", ""]
    folders: dict[str, list[str]] = {}
    for path in paths:
        if path.startswith(RESULTS + "/") and path != RESULTS + "/index.md":
            inner = path[len(RESULTS) + 1:]
            folder, _, name = inner.rpartition("/")
            folders.setdefault(folder, []).append(inner)
    for folder in sorted(folders):
        if folder:
            lines += ["", f"## {folder}/", ""]
        lines += [f"- [`{inner}`]({inner})" for inner in folders[folder]]
    return "\n".join(lines) + "\n"


def on_files(files: Any, config: Any) -> Any:
    """Mount the repository files into the site, each at its repository path, and the
    generated list of result files."""
    from mkdocs.structure.files import File

    root = repository_root(config)
    paths = mounted_files(root)
    for src_uri in paths:
        if files.get_file_from_path(src_uri) is None:
            files.append(mounted_file(src_uri, root, config))
    files.append(File.generated(config, RESULTS + "/index.md", content=results_index(paths)))
    return files
