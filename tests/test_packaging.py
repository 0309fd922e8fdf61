"""The built wheel installs the same import namespace as the editable install."""

from __future__ import annotations

import site
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK = """
import pathlib, sys
repo, venv = pathlib.Path(r"{repo}"), pathlib.Path(r"{venv}")
assert not any(pathlib.Path(p or ".").resolve().is_relative_to(repo) for p in sys.path), sys.path
import agentrl, agentrl.environments.textworld, agentrl.rewards, agentrl.sandbox
import agentrl.credit.advantages
root = pathlib.Path(agentrl.__file__).resolve().parent
assert root.is_relative_to(venv.resolve()) and not root.is_relative_to(repo), root
for module in (agentrl.environments.textworld, agentrl.rewards, agentrl.sandbox):
    assert pathlib.Path(module.__file__).resolve().is_relative_to(root), module.__file__
swe = root / "environments" / "swe"
assert swe.is_dir() and any(p.suffix == ".py" for p in swe.rglob("*")), swe
print("ok", root)
"""


def dependency_dirs() -> list[str]:
    """The running interpreter's site-packages folders (venv or system), minus the repo.

    A venv made with ``--system-site-packages`` would see the base interpreter's packages,
    not those of a venv the tests run in; listing these folders in a ``.pth`` file gives the
    new venv the same dependencies either way. The folders' own ``.pth`` files are not run,
    so the editable install of this checkout does not come along.
    """
    folders = [*site.getsitepackages(), *(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))]
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    return [folder for folder in dict.fromkeys(folders)
            if Path(folder).is_dir() and not Path(folder).resolve().is_relative_to(REPO)]


@pytest.mark.slow
def test_wheel_installs_and_imports_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(REPO)], check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("agentrl-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=120,
    ).stdout.strip()
    (Path(purelib) / "agentrl-test-dependencies.pth").write_text("\n".join(dependency_dirs()))
    result = subprocess.run([str(python), "-c", CHECK.format(repo=REPO, venv=venv)],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")
