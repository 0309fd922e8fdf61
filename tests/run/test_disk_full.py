"""A run on a disk that fills up says so, naming the path; with space freed, the same
command resumes and the files hold each episode once. The disk is a real small tmpfs
(mounting one needs root: skipped elsewhere)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentrl.cli import app
from tests.run.conftest import jsonl_rows, toy_run_recipe, write_recipe


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """An empty tmpfs mounted at tmp_path/disk (unmounted after the test)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def resize(disk: Path, size: str) -> None:
    """Give the tmpfs ``size`` (the files on it stay)."""
    subprocess.run(["mount", "-o", f"remount,size={size}", str(disk)], check=True)


@pytest.mark.slow
@pytest.mark.parametrize(("size", "failing"), [
    ("4m", "the weights (safetensors)"), ("20m", "trainer.pt (torch.save)")])
def test_a_full_disk_is_said_and_the_run_resumes_once_space_is_freed(
        small_disk: Path, tmp_path: Path, size: str, failing: str) -> None:
    resize(small_disk, size)  # the tiny model's weights take 13 MB, trainer.pt 25 MB more
    recipe = toy_run_recipe(small_disk, iterations=1)
    recipe["logging"]["tensorboard"] = False
    path = write_recipe(tmp_path / "recipe.yaml", recipe)
    result = CliRunner().invoke(app, ["train", str(path)])
    message = " ".join(result.output.split())
    assert result.exit_code == 2, (failing, result.output)
    assert "Traceback" not in result.output
    partial = small_disk / "toy" / "checkpoints" / ".partial-000001"
    assert f"disk full: writing {partial} failed (no space left" in message, failing
    assert not partial.exists()  # its space given back; no checkpoint is current

    resize(small_disk, "100m")
    result = CliRunner().invoke(app, ["train", str(path)])
    assert result.exit_code == 0, result.output
    assert "the run starts again from iteration 0" in result.output  # none was made current
    assert len(jsonl_rows(small_disk / "toy" / "rollouts.jsonl")) == 2 * 2
    assert [row["iteration"] for row in jsonl_rows(small_disk / "toy" / "metrics.jsonl")] == [
        0, 1]
