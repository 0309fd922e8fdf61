"""The package's layers (`.importlinter`, docs/architecture.md) hold: `lint-imports` keeps
every contract over `agentrl/`, and the folders mapped into the namespace from outside it
(environments/, sandbox/, rewards/), which import-linter does not read, import only the
layers below them."""

import ast
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# what each mapped folder may import from agentrl (its own package included)
ALLOWED = {
    "environments": {"core", "environments", "sandbox", "tools"},
    "sandbox": {"core", "sandbox"},
    "rewards": {"core", "policy", "rollout", "parallel", "credit", "rewards"},
}


def _agentrl_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {name for name in names if name.startswith("agentrl.")}


def test_lint_imports_keeps_every_contract() -> None:
    if shutil.which("lint-imports") is None:
        pytest.skip("import-linter is not installed (pip install import-linter)")
    result = subprocess.run(["lint-imports", "--config", str(ROOT / ".importlinter")],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("folder", sorted(ALLOWED))
def test_mapped_folder_imports_only_layers_below_it(folder: str) -> None:
    wrong = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for name in _agentrl_imports(path):
            layer = name.split(".")[1]
            if layer not in ALLOWED[folder]:
                wrong.append(f"{relative} imports {name}")
    assert not wrong, "\n".join(wrong)


def test_the_checker_sees_a_back_arrow(tmp_path: Path) -> None:
    module = tmp_path / "env.py"
    module.write_text("from agentrl.run.loop import train\n")
    assert _agentrl_imports(module) == {"agentrl.run.loop"}
