"""A Harbor task's sandbox: its Dockerfile built locally (docker) or no image (bwrap).

Harbor's verifier paths are kept: ``/tests``, ``/solution`` and ``/logs`` are links into the
hidden folder ``/workspace/.harbor`` (filled only when verifying or running the oracle), and
the task's workdir (``/app`` for most tasks) is a link to ``/workspace``, the sandbox workdir.
For docker, a thin layer on top of the task's image makes those links and keeps a copy of
the image's workdir in ``/opt/harbor-seed``, copied into ``/workspace`` at every reset.
Nothing is pulled: a ``FROM`` must name an image present locally; agentrl tags its own
sandbox image ``agentrl-sandbox:latest`` for task Dockerfiles to build on.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

from agentrl.environments.harbor.task import HarborTask
from agentrl.sandbox import Sandbox, SandboxError, create
from agentrl.sandbox.bwrap import BwrapSandbox
from agentrl.sandbox.limits import Limits

BASE_IMAGE = "agentrl-sandbox:latest"
HIDDEN = ".harbor"
SEED = "/opt/harbor-seed"
LINKS = {"/tests": f"/workspace/{HIDDEN}/tests", "/solution": f"/workspace/{HIDDEN}/solution",
         "/logs": f"/workspace/{HIDDEN}/logs"}


def folder_digest(folder: Path) -> str:
    """A digest of every file's path and bytes under ``folder``."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_base_image(client: Any) -> str:
    """Build agentrl's sandbox image if needed and tag it `BASE_IMAGE`."""
    from agentrl.sandbox.image import ensure_image

    image = client.images.get(ensure_image(client))
    image.tag(*BASE_IMAGE.split(":"))
    return BASE_IMAGE


def _check_bases_present(client: Any, task: HarborTask) -> None:
    import docker.errors

    text = task.dockerfile.read_text() if task.dockerfile else ""
    for base in re.findall(r"^\s*FROM\s+(?:--\S+\s+)*(\S+)", text, re.M | re.I):
        try:
            client.images.get(base)
        except docker.errors.ImageNotFound as error:
            raise SandboxError(
                f"{task.dockerfile}: FROM {base} is not present locally and nothing is pulled; "
                f"build it first or start from {BASE_IMAGE}") from error


def build_task_image(client: Any, task: HarborTask) -> str:
    """The task's image plus agentrl's layer, built once per content (cached by tag)."""
    import docker.errors

    ensure_base_image(client)
    context = task.path / "environment"
    tag = f"agentrl-harbor-{re.sub(r'[^a-z0-9_.-]', '-', task.name.lower())}:" \
          f"{folder_digest(context)}"
    try:
        client.images.get(tag)
        return tag
    except docker.errors.ImageNotFound:
        pass
    _check_bases_present(client, task)
    try:
        client.images.build(path=str(context), tag=tag + "-task", rm=True, pull=False,
                            network_mode="none", timeout=int(task.build_timeout_s))
        client.images.build(fileobj=io.BytesIO(_layer(tag + "-task", task.workdir).encode()),
                            tag=tag, rm=True, pull=False, network_mode="none")
    except (docker.errors.BuildError, docker.errors.APIError) as error:
        raise SandboxError(f"building the image of Harbor task {task.path} failed: "
                           f"{error}") from error
    return tag


def _layer(image: str, workdir: str) -> str:
    """agentrl's layer: the seed copy of the workdir, and the links of the module docstring."""
    links = " && ".join(f"rm -rf {path} && ln -s {target} {path}"
                        for path, target in LINKS.items())
    move = "" if workdir in ("/workspace", "/") else f" && rm -rf {workdir} && " \
                                                      f"ln -s /workspace {workdir}"
    return (f"FROM {image}\nUSER root\n"
            f"RUN mkdir -p {SEED} && (cp -R {workdir}/. {SEED}/ 2>/dev/null || true)"
            f" && {links}{move}\nWORKDIR /workspace\n")


def open_sandbox(task: HarborTask, backend: str, limits: dict[str, Any]) -> Sandbox:
    """A fresh sandbox for ``task`` on ``backend`` (``docker`` or ``bwrap``)."""
    if backend == "docker":
        from agentrl.sandbox.docker_backend import DockerSandbox, docker_client

        return DockerSandbox(Limits.from_kwargs(**limits),
                             image=build_task_image(docker_client(), task))
    if backend == "bwrap":
        return HarborBwrap(Limits.from_kwargs(**limits), workdir=task.workdir)
    return create(backend, **limits)


def seed_workdir(sandbox: Sandbox, task: HarborTask) -> None:
    """Put the task's starting files in /workspace: the image's seed copy (docker), or
    ``environment/workspace/`` of the task folder (bwrap)."""
    if sandbox.backend == "docker":
        result = sandbox.exec(f"cp -R {SEED}/. /workspace/", timeout=60)
        if result.exit_code != 0:
            raise SandboxError(f"seeding /workspace failed: {result.stderr[:300]}")
        return
    files = task.path / "environment" / "workspace"
    if files.is_dir():
        sandbox.upload(files)


def upload_hidden(sandbox: Sandbox, task: HarborTask, part: str) -> None:
    """Copy the task's ``tests`` or ``solution`` folder to /workspace/.harbor/<part>."""
    for path in sorted(p for p in (task.path / part).rglob("*") if p.is_file()):
        relative = path.relative_to(task.path / part).as_posix()
        sandbox.write_file(f"{HIDDEN}/{part}/{relative}", path.read_text())


class HarborBwrap(BwrapSandbox):
    """The bwrap sandbox plus the links of the module docstring (bwrap ``--symlink``)."""

    def __init__(self, limits: Limits, workdir: str) -> None:
        self.task_workdir = workdir
        super().__init__(limits)

    def _bwrap_prefix(self) -> list[str]:
        args = super()._bwrap_prefix()
        links: list[str] = []
        for path, target in LINKS.items():
            links += ["--symlink", target, path]
        if getattr(self, "task_workdir", "/workspace") not in ("/workspace", "/"):
            links += ["--symlink", "/workspace", self.task_workdir]
        cut = args.index("--")
        return args[:cut] + links + args[cut:]

