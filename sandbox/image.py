"""Build the docker backend's image locally: the host's Python and shell tools, FROM scratch.

Nothing is pulled from a registry. The image holds ``/bin/sh``, a set of core utilities,
the dynamic libraries they (and Python) link to, the host's Python install without its
site-packages (pytest and its dependencies are kept) and a ``sandbox`` user (uid 1000).
It is imported with ``docker import`` under a tag derived from its content, so it is built
once per host Python and reused.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

IMAGE_REPOSITORY = "agentrl-sandbox"
SANDBOX_UID = 1000
# pytest's site-packages in the image: not its host path, which may lie under /tmp (a venv
# there), where the container's private /tmp would hide it
IMAGE_SITE = "/opt/agentrl/site-packages"

TOOLS = (
    "sh",
    "dash",
    "bash",
    "ls",
    "cat",
    "echo",
    "cp",
    "mv",
    "rm",
    "mkdir",
    "rmdir",
    "touch",
    "head",
    "tail",
    "grep",
    "sed",
    "find",
    "xargs",
    "sleep",
    "timeout",
    "env",
    "wc",
    "sort",
    "uniq",
    "tr",
    "cut",
    "tee",
    "pwd",
    "id",
    "chmod",
    "ln",
    "dirname",
    "basename",
    "true",
    "false",
    "diff",
    "cmp",
    "base64",
    "tar",
    "gzip",
    "stat",
    "nl",
    "yes",
    "seq",
    "printf",
    "test",
    "realpath",
    "readlink",
    "mktemp",
    "awk",
    "mawk",
    "patch",
)
PYTEST_PACKAGES = ("pytest", "_pytest", "pluggy", "iniconfig", "packaging", "pygments", "py.py")
_SKIP_STDLIB = {
    "site-packages",
    "test",
    "idlelib",
    "tkinter",
    "ensurepip",
    "lib2to3",
    "__pycache__",
    "turtledemo",
}


def pytest_site() -> str | None:
    """The site-packages folder pytest is installed in (a venv's, possibly), if any."""
    try:
        import pytest
    except ImportError:
        return None
    return os.path.realpath(Path(pytest.__file__).parents[1])


def _tool_paths() -> list[str]:
    paths = []
    for name in TOOLS:
        found = shutil.which(name, path="/usr/bin:/bin")
        if found:
            paths.append(os.path.realpath(found))
            if os.path.realpath(found) != found:
                paths.append(found)
    return sorted(set(paths))


def _shared_libs(binaries: list[str]) -> list[str]:
    """Every shared library (and the loader) the ``binaries`` link to, per ``ldd``."""
    libs: set[str] = set()
    for binary in binaries:
        result = subprocess.run(["ldd", binary], capture_output=True, text=True, check=False)
        for match in re.finditer(r"(/\S+\.so[^\s]*)", result.stdout):
            libs.add(match.group(1))
    return sorted(libs)


def _python_files() -> Iterator[str]:
    prefix = Path(os.path.realpath(sys.base_prefix))
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    yield from (str(p) for p in (prefix / "bin").glob("python3*"))
    yield from (str(p) for p in (prefix / "lib").glob("libpython*"))
    stdlib = prefix / "lib" / version
    for folder, dirs, files in os.walk(stdlib):
        dirs[:] = [d for d in dirs if d not in _SKIP_STDLIB]
        yield from (os.path.join(folder, name) for name in files)
    site = Path(pytest_site() or "/nonexistent")
    for name in PYTEST_PACKAGES:
        path = site / name
        if path.is_file():
            yield str(path)
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            yield from (os.path.join(folder, f) for f in files)


def image_files() -> list[str]:
    """Host paths that go into the image, sorted."""
    tools = _tool_paths()
    python = sorted(set(_python_files()))
    binaries = tools + [p for p in python if "/bin/python" in p or ".so" in p]
    return sorted(set(tools + python + _shared_libs(binaries)))


def image_config() -> list[str]:
    """The ``docker import --change`` lines: PATH to the host Python, pytest's site, workdir."""
    python_bin = str(Path(os.path.realpath(sys.executable)).parent)
    return [
        f"ENV PATH={python_bin}:/usr/local/bin:/usr/bin:/bin",
        f"ENV PYTHONPATH={IMAGE_SITE if pytest_site() else ''}",
        "WORKDIR /workspace",
        "ENV HOME=/workspace",
        "ENV LANG=C.UTF-8",
    ]


def content_tag(files: list[str]) -> str:
    """A tag naming the image content: its config and every file's path, size and mtime."""
    digest = hashlib.sha256("\n".join(image_config()).encode())
    for path in files:
        stat = os.stat(path)
        digest.update(f"{path}\0{stat.st_size}\0{int(stat.st_mtime)}\n".encode())
    return digest.hexdigest()[:16]


def _add_text(tar: tarfile.TarFile, name: str, text: str, mode: int = 0o644) -> None:
    data = text.encode()
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    tar.addfile(info, io.BytesIO(data))


def _add_dir(tar: tarfile.TarFile, name: str, mode: int = 0o755, uid: int = 0) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.uid, info.gid = tarfile.DIRTYPE, mode, uid, uid
    tar.addfile(info)


def write_rootfs(path: Path, files: list[str]) -> None:
    """Write the image's root filesystem as a tarball at ``path``."""
    with tarfile.open(path, "w", dereference=True) as tar:
        for top in ("bin", "sbin", "lib", "lib64"):
            host = f"/{top}"
            if os.path.islink(host):
                info = tarfile.TarInfo(top)
                info.type, info.linkname = tarfile.SYMTYPE, os.readlink(host)
                tar.addfile(info)
        _add_dir(tar, "tmp", 0o1777)
        _add_dir(tar, "workspace", 0o755, SANDBOX_UID)
        for name in ("proc", "dev", "sys", "etc"):
            _add_dir(tar, name)
        _add_text(
            tar,
            "etc/passwd",
            f"root:x:0:0::/root:/bin/sh\nsandbox:x:{SANDBOX_UID}:"
            f"{SANDBOX_UID}::/workspace:/bin/sh\n",
        )
        _add_text(tar, "etc/group", f"root:x:0:\nsandbox:x:{SANDBOX_UID}:\n")
        # Store each file under its parent's real path (/lib -> usr/lib), content dereferenced;
        # pytest's site-packages under IMAGE_SITE.
        names = {_image_path(f, pytest_site()): f for f in files}
        for name in sorted(names):
            tar.add(names[name], arcname=name.lstrip("/"), recursive=False)


def _image_path(host_file: str, site: str | None) -> str:
    """Where ``host_file`` goes in the image: its parent's real path, or under IMAGE_SITE
    when it lies in pytest's site-packages ``site``."""
    real = os.path.join(os.path.realpath(os.path.dirname(host_file)),
                        os.path.basename(host_file))
    if site and real.startswith(site + os.sep):
        return IMAGE_SITE + real[len(site):]
    return real


def ensure_image(client: Any) -> str:
    """The ``repository:tag`` of the sandbox image, building and importing it if missing."""
    import docker.errors

    files = image_files()
    name = f"{IMAGE_REPOSITORY}:{content_tag(files)}"
    try:
        client.images.get(name)
        return name
    except docker.errors.ImageNotFound:
        pass
    with tempfile.TemporaryDirectory(prefix="agentrl-image-") as folder:
        rootfs = Path(folder) / "rootfs.tar"
        write_rootfs(rootfs, files)
        repository, tag = name.split(":")
        client.api.import_image_from_file(
            str(rootfs),
            repository=repository,
            tag=tag,
            changes=image_config(),
        )
    client.images.get(name)  # raises if the import silently failed
    return name
