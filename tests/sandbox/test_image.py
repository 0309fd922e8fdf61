"""The docker backend's locally built image: its file list, rootfs and content tag."""

from __future__ import annotations

import os
import sys
import tarfile
from pathlib import Path

from agentrl.sandbox.image import SANDBOX_UID, content_tag, image_files, write_rootfs


def test_image_holds_python_pytest_a_shell_and_their_libraries() -> None:
    files = image_files()
    names = {os.path.basename(f) for f in files}
    assert os.path.realpath(sys.executable) in files or any("/bin/python3" in f for f in files)
    assert {"os.py", "libc.so.6", "dash", "timeout"} <= names
    assert any(f.endswith("/pytest/__init__.py") for f in files)
    assert not any("/site-packages/torch/" in f for f in files)  # only pytest's closure


def test_rootfs_has_users_a_sticky_tmp_and_a_sandbox_owned_workspace(tmp_path: Path) -> None:
    rootfs = tmp_path / "rootfs.tar"
    write_rootfs(rootfs, ["/etc/hostname"] if os.path.exists("/etc/hostname") else [])
    with tarfile.open(rootfs) as tar:
        members = {m.name: m for m in tar.getmembers()}
        assert members["tmp"].mode == 0o1777
        assert members["workspace"].uid == SANDBOX_UID
        passwd = tar.extractfile("etc/passwd").read().decode()  # type: ignore[union-attr]
        assert f"sandbox:x:{SANDBOX_UID}:{SANDBOX_UID}::/workspace:/bin/sh" in passwd


def test_content_tag_is_stable_and_follows_the_files(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("1")
    b.write_text("22")
    assert content_tag([str(a)]) == content_tag([str(a)])
    assert content_tag([str(a)]) != content_tag([str(a), str(b)])
    assert len(content_tag([str(a)])) == 16


def test_pytest_site_goes_to_a_fixed_image_path_that_no_tmpfs_hides(tmp_path: Path) -> None:
    from agentrl.sandbox.image import IMAGE_SITE, _image_path, image_config, pytest_site

    site = str(tmp_path / "venv" / "lib" / "site-packages")  # a venv under /tmp
    assert _image_path(f"{site}/pytest/__init__.py", site) == f"{IMAGE_SITE}/pytest/__init__.py"
    assert _image_path("/usr/bin/env", site) == os.path.realpath("/usr/bin/env")
    assert _image_path(f"{site}-other/x.py", site) == f"{site}-other/x.py"  # prefix, not parent
    assert pytest_site() is not None
    assert f"ENV PYTHONPATH={IMAGE_SITE}" in image_config()
