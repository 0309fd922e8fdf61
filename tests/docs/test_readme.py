"""The README stays short, keeps the two commands CI and users rely on, and every relative link
in it names a file of the repository."""

from __future__ import annotations

import re

from tests.docs.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_is_short_and_keeps_the_two_commands() -> None:
    lines = README.splitlines()
    assert len(lines) <= 150
    assert "bash scripts/quickstart.sh" in lines  # setup + main job, alone on its line
    assert "bash scripts/test.sh" in lines  # the test command CI runs (.ci/run)
    assert "bash scripts/test.sh" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_links_name_existing_files() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t)]
    assert len(local) > 20
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"
