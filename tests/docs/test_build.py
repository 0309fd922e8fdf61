"""``mkdocs build --strict`` over the real site: it builds, the generated references hold every
recipe field and every command, the API pages hold the public names, and a link to a missing
result file fails the build."""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import sys
import typing
from pathlib import Path

from pydantic import BaseModel

from tests.docs.conftest import ROOT, mkdocs_build


def page_text(site: Path, page: str) -> str:
    """The visible text of a built page (tags dropped, entities decoded)."""
    raw = (site / page / "index.html").read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", "", raw))


def recipe_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every dotted key of the recipe schema, sections included."""
    keys = []
    for name, field in model.model_fields.items():
        keys.append(prefix + name)
        for inner in typing.get_args(field.annotation) or (field.annotation,):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                keys += recipe_keys(inner, prefix + name + ".")
    return keys


def test_recipe_reference_lists_every_field_with_its_description(built_site: Path) -> None:
    from agentrl.run.recipe import Recipe

    text = page_text(built_site, "reference/recipe")
    keys = recipe_keys(Recipe)
    assert len(keys) > 80  # the schema as it is: ten sections, nested options
    missing = [key for key in keys if key not in text]
    assert not missing, f"recipe reference lacks {missing}"
    field = Recipe.model_fields["trainer"].annotation.model_fields["dist_timeout_s"]
    assert " ".join(field.description.split()) in " ".join(text.split())
    assert '"ddp", "fsdp"' in text  # a Literal's allowed values
    # registry-backed values, as a fresh process sees them (other tests in this process may
    # have registered estimators of their own, which the built site rightly does not know)
    names = subprocess.run(
        [sys.executable, "-c", "from agentrl.credit import list_advantages; "
         "print(*list_advantages())"], capture_output=True, text=True, check=True).stdout
    assert names.split() and all(name in text for name in names.split())


def test_cli_reference_lists_every_command_and_option(built_site: Path) -> None:
    from typer.main import get_command

    from agentrl.cli import app

    text = page_text(built_site, "reference/cli")
    group = get_command(app)
    for name, command in group.commands.items():
        assert f"agentrl {name}" in text
        options = [p for p in command.params if p.param_type_name == "option"]
        for option in options:
            assert option.opts[0] in text, f"{name}: {option.opts[0]} missing"


def test_api_reference_documents_public_names(built_site: Path) -> None:
    from agentrl import core, sandbox

    core_page = page_text(built_site, "reference/api/core")
    assert all(name in core_page for name in ("Env", "Task", "Trajectory", "make", "register"))
    assert "check_env" in core_page and "AgentrlToGym" in core_page
    sandbox_page = page_text(built_site, "reference/api/sandbox")
    documented = [name for name in sandbox.__all__ if callable(getattr(sandbox, name))]
    assert "create" in documented and "SandboxPool" in documented
    assert all(name in sandbox_page for name in documented)  # from the mapped folder
    assert core.Env.__doc__.split(".")[0] in " ".join(core_page.split())


def test_result_files_are_in_the_site_and_linked(built_site: Path) -> None:
    results = ROOT / "benchmarks" / "results"
    assert (built_site / "benchmarks/results/viewer.png").is_file()
    assert (built_site / "benchmarks/results/credit-fidelity/fork-llm/credit_report/index.html"
            ).is_file()  # a Markdown result file becomes a page
    listing = page_text(built_site, "benchmarks/results")
    for path in results.rglob("*"):
        if path.is_file():
            assert path.relative_to(results).as_posix() in listing
    credit = (built_site / "results/credit/index.html").read_text(encoding="utf-8")
    assert 'href="../../benchmarks/results/learning-credit-64/"' in credit


def test_a_link_to_a_missing_result_file_fails_the_strict_build(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs" / "_hooks", docs / "_hooks")
    (docs / "results").mkdir()
    for page in ("benchmarks", "credit"):  # the generated list of result files links them
        (docs / "results" / f"{page}.md").write_text(f"# {page}\n")
    (docs / "index.md").write_text(
        "# Home\n\n[kept](benchmarks/results/memory.txt)\n"
        "[gone](benchmarks/results/no-such-result.md)\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"site_name: t\ndocs_dir: {docs}\nexclude_docs: |\n  /_hooks/\n"
        f"hooks:\n  - {docs}/_hooks/repo_files.py\n")
    # the hook mounts files from the folder of mkdocs.yml: link the real results there
    (tmp_path / "benchmarks").mkdir()
    (tmp_path / "benchmarks" / "results").symlink_to(ROOT / "benchmarks" / "results")
    result = mkdocs_build(config, tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-result.md" in result.stderr and "memory.txt" not in result.stderr
    (docs / "index.md").write_text("# Home\n\n[kept](benchmarks/results/memory.txt)\n")
    assert mkdocs_build(config, tmp_path / "site").returncode == 0
