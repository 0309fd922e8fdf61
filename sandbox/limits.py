"""Resource limits shared by every sandbox backend, and their rlimit form."""

from __future__ import annotations

import resource
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class Limits:
    """What one sandboxed command may use. Every backend enforces every field.

    ``wall_time_s`` is the default per-`exec` timeout; ``exec`` may pass a shorter or longer one.
    ``max_output_bytes`` caps each of stdout and stderr; a command that writes more is killed
    and its result is marked truncated (an output flood cannot fill memory or disk).
    """

    wall_time_s: float = 30.0
    cpu_time_s: int = 60
    memory_mb: int = 1024
    max_processes: int = 64
    max_output_bytes: int = 64_000
    max_file_mb: int = 64
    max_open_files: int = 256

    @classmethod
    def from_kwargs(cls, **kwargs: Any) -> Limits:
        """Build from keyword arguments, naming any unknown key and the known ones."""
        known = {field.name for field in fields(cls)}
        unknown = sorted(set(kwargs) - known)
        if unknown:
            raise TypeError(
                f"unknown sandbox limit(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        limits = cls(**kwargs)
        for name, value in asdict(limits).items():
            if value <= 0:
                raise ValueError(f"sandbox limit {name}={value!r} must be positive")
        return limits

    def rlimits(self) -> dict[int, int]:
        """The POSIX rlimits that carry these limits inside a process (soft = hard)."""
        return {
            resource.RLIMIT_CPU: int(self.cpu_time_s),
            resource.RLIMIT_AS: int(self.memory_mb) * 1024 * 1024,
            resource.RLIMIT_NPROC: int(self.max_processes),
            resource.RLIMIT_FSIZE: int(self.max_file_mb) * 1024 * 1024,
            resource.RLIMIT_NOFILE: int(self.max_open_files),
            resource.RLIMIT_CORE: 0,
        }


def apply_rlimits(limits: Limits) -> None:
    """Set ``limits`` on the calling process (use as a ``preexec_fn``)."""
    for kind, value in limits.rlimits().items():
        resource.setrlimit(kind, (value, value))
