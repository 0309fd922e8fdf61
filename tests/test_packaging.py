"""The built wheel installs the same import namespace as the editable install."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK = """
import pathlib, agentrl, agentrl.environments.textworld, agentrl.rewards, agentrl.sandbox
import agentrl.algos.advantages
root = pathlib.Path(agentrl.__file__).parent
assert "/work/main" not in str(root) and str(root).startswith(r"{venv}"), root
for module in (agentrl.environments.textworld, agentrl.rewards, agentrl.sandbox):
    assert pathlib.Path(module.__file__).is_relative_to(root), module.__file__
swe = root / "environments" / "swe"
assert swe.is_dir() and any(p.suffix == ".py" for p in swe.rglob("*")), swe
print("ok", root)
"""


@pytest.mark.slow
def test_wheel_installs_and_imports_outside_the_repo(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(REPO)], check=True, capture_output=True, timeout=300)
    (wheel,) = dist.glob("agentrl-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)],
                   check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", str(wheel)],
                   check=True, capture_output=True, timeout=300)
    result = subprocess.run([str(python), "-c", CHECK.format(venv=venv)], capture_output=True,
                            text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok ")
