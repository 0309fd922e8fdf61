"""What `check_env` returns: `CheckReport` (violations and warnings) and `EnvCheckError`."""

from __future__ import annotations

from dataclasses import dataclass, field


class EnvCheckError(AssertionError):
    """Raised by `CheckReport.raise_if_failed`; its message lists every violation."""

    def __init__(self, report: CheckReport) -> None:
        super().__init__(str(report))
        self.report = report


@dataclass
class CheckReport:
    """What `check_env` found: ``violations`` (contract broken) and ``warnings`` (advice)."""

    env_id: str
    violations: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks_run: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no rule of the contract is broken (warnings allowed)."""
        return not self.violations

    def raise_if_failed(self) -> None:
        """Raise `EnvCheckError` listing all violations, if there are any."""
        if not self.ok:
            raise EnvCheckError(self)

    def __str__(self) -> str:
        verdict = "OK" if self.ok else f"FAILED, {len(self.violations)} violation(s)"
        lines = [f"check_env({self.env_id}): {verdict} ({len(self.checks_run)} checks)"]
        lines += [f"  - {message}" for message in self.violations]
        lines += [f"  ! warning: {message}" for message in self.warnings]
        return "\n".join(lines)
