"""Built-in env families come in through the `agentrl.envs` entry-point group, as plug-ins do,
and the core names none of them: every folder of environments/ is declared in the installed
metadata, each registered id is served by its family's entry, `make` of one id imports only
its family, the fork server imports the preloads the families declare, and agentrl/core holds
no family's module path nor a family's id (Gymnasium ids are declared by the families)."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from agentrl.core import registry

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "agentrl" / "core"
FAMILIES = sorted(p.name for p in (ROOT / "environments").iterdir()
                  if (p / "__init__.py").is_file())
BUILTIN = "agentrl.environments."


def builtin_entries() -> dict[str, str]:
    """name -> value of the installed entries that point into agentrl.environments."""
    return {e.name: e.value for e in entry_points(group=registry.ENTRY_POINT_GROUP)
            if e.value.startswith(BUILTIN)}


def test_every_family_folder_is_declared_in_the_installed_entry_points() -> None:
    declared = {value.removeprefix(BUILTIN).split(":")[0].split(".")[0]
                for value in builtin_entries().values()}
    assert declared == set(FAMILIES), "reinstall (pip install -e .) after editing pyproject"
    assert {"miniwob", "openenv", "harbor", "toy", "search_qa", "calculator"} <= declared


def test_every_builtin_id_is_served_by_an_entry_of_its_family() -> None:
    names = builtin_entries()
    for id in registry.registered():
        entry_point = registry._REGISTRY[id].entry_point
        if not isinstance(entry_point, str) or not entry_point.startswith(BUILTIN):
            continue
        family = entry_point.removeprefix(BUILTIN).split(".")[0]
        serving = [n for n, v in names.items()
                   if (n == id or (n.endswith("*") and id.startswith(n[:-1])))
                   and v.removeprefix(BUILTIN).split(".")[0].split(":")[0] == family]
        assert serving, f"{id} ({family}) is registered but no entry serves it"


def run_python(code: str) -> dict:
    """Run ``code`` in a fresh interpreter outside the repository; it prints one JSON line."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd="/", timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_make_imports_only_the_family_asked_for() -> None:
    result = run_python(
        "import json, sys\n"
        "from agentrl.core.registry import make\n"
        "make('toy/corridor'); make('miniwob/click-button', split_sizes={'train': 1})\n"
        f"print(json.dumps(sorted({{m.split('.')[2] for m in sys.modules "
        f"if m.startswith('{BUILTIN}')}})))\n")
    assert result == ["miniwob", "toy"]


def test_the_fork_server_module_imports_the_declared_preloads() -> None:
    result = run_python(
        "import json, sys\n"
        "import agentrl.core.process_preload as p\n"
        "print(json.dumps(p.IMPORTED))\n")
    assert result == ["agentrl.environments.alfworld.env", "agentrl.environments.textworld.env",
                      "agentrl.environments.textworld.preload"]


def string_constants(path: Path) -> set[str]:
    """The string literals of a module's code, docstrings left out."""
    tree = ast.parse(path.read_text())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef
                                | ast.AsyncFunctionDef)
                  and node.body and isinstance(node.body[0], ast.Expr)
                  and isinstance(node.body[0].value, ast.Constant)}
    return {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
            and isinstance(node.value, str) and id(node) not in docstrings}


CORE_MODULES = sorted(CORE.rglob("*.py"))


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: p.name)
def test_the_core_names_no_family_module(path: Path) -> None:
    text = path.read_text()
    for family in FAMILIES:
        assert f"environments.{family}" not in text, f"{path.name} names {family}'s module"
        assert f"environments import {family}" not in text


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: p.name)
def test_the_core_code_names_no_family_id(path: Path) -> None:
    ids = {i for i in registry.registered()
           if isinstance(registry._REGISTRY[i].entry_point, str)
           and registry._REGISTRY[i].entry_point.startswith(BUILTIN)}
    named = string_constants(path) & ids
    assert not named, f"{path.name} names the env ids {sorted(named)}"
