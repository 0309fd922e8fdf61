"""The local backend: commands run directly on the host, in a temp folder. No isolation.

Only rlimits, a wall-clock limit, an output cap and a process-group kill apply: a command
can read and write anything the caller can, use the network, and escape its process group
with ``setsid``. For trusted code and debugging only; it is never chosen by default.
"""

from __future__ import annotations

import os
import warnings

from agentrl.sandbox.base import ExecResult, SandboxError, logger
from agentrl.sandbox.hostdir import HostDirSandbox, reap_orphans
from agentrl.sandbox.limits import Limits, apply_rlimits
from agentrl.sandbox.process import run_capped

WARNING = (
    "agentrl.sandbox: the 'local' backend gives NO isolation: commands run on this machine "
    "with your permissions and network access. Use backend='bwrap' or 'docker' for agents."
)


class LocalSandbox(HostDirSandbox):
    """Runs ``/bin/sh -c`` in a host temp folder under rlimits; see the module docstring."""

    backend = "local"

    def __init__(self, limits: Limits | None = None) -> None:
        warnings.warn(WARNING, RuntimeWarning, stacklevel=3)
        logger.warning(WARNING)
        reap_orphans()
        super().__init__(limits or Limits())

    def exec(self, cmd: str, timeout: float | None = None) -> ExecResult:
        """Run ``cmd`` with ``/bin/sh -c`` in the workdir, under rlimits only (no isolation)."""
        self._check_open()
        limits = self.limits
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.host_workdir),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        try:
            return run_capped(
                ["/bin/sh", "-c", cmd],
                timeout=limits.wall_time_s if timeout is None else timeout,
                max_output_bytes=limits.max_output_bytes,
                cwd=str(self.host_workdir),
                env=env,
                preexec_fn=lambda: apply_rlimits(limits),
            )
        except OSError as error:
            raise SandboxError(f"cannot start a local command: {error}") from error
