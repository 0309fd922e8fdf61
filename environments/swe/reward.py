"""Scoring of SWE episodes: pure functions over test reports and edits, no model needed.

Outcome (r^high of G-RA, Sun et al. 2025, arXiv 2508.10548 §3): a discrete level,
``no_submission`` < ``empty_patch`` < ``tests_fail`` < ``tests_pass``; the outcome reward is
1.0 when the hidden tests pass (``binary``) or the level scaled to [0, 1] (``level``).
Immediate rewards (r^low_t, the paper's SWE step rewards) go into
``info["reward_components"]``: ``edit_applied``, ``compiles``, ``targeted_test_passes``;
the ``gated`` shaping keeps them only when r^high ≥ Δ: r̃_t = r^low_t · 1[r^high ≥ Δ].
"""

from __future__ import annotations

import re

OUTCOME_LEVELS = ("no_submission", "empty_patch", "tests_fail", "tests_pass")
STEP_COMPONENTS = ("edit_applied", "compiles", "targeted_test_passes")
_SUMMARY = re.compile(r"^(PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS) (\S+)")


def parse_pytest_summary(stdout: str) -> dict[str, str]:
    """{test id: status} from pytest's ``-rA`` short test summary."""
    statuses = {}
    for line in stdout.splitlines():
        match = _SUMMARY.match(line.strip())
        if match:
            statuses[match.group(2)] = match.group(1)
    return statuses


def is_resolved(statuses: dict[str, str], fail_to_pass: list[str], pass_to_pass: list[str]) -> bool:
    """SWE-bench's resolved criterion: every FAIL_TO_PASS and PASS_TO_PASS test passes."""
    wanted = list(fail_to_pass) + list(pass_to_pass)
    return bool(wanted) and all(statuses.get(test) == "PASSED" for test in wanted)


def outcome_level(submitted: bool, patch: str, resolved: bool) -> str:
    """The G-RA outcome level of an episode."""
    if not submitted:
        return "no_submission"
    if not patch.strip():
        return "empty_patch"
    return "tests_pass" if resolved else "tests_fail"


def outcome_reward(level: str, mode: str = "binary") -> float:
    """r^high: ``binary`` → 1.0 iff tests pass; ``level`` → index / 3 (0, 1/3, 2/3, 1)."""
    if level not in OUTCOME_LEVELS:
        raise ValueError(f"unknown outcome level {level!r}; levels: {', '.join(OUTCOME_LEVELS)}")
    if mode == "binary":
        return 1.0 if level == "tests_pass" else 0.0
    if mode == "level":
        return OUTCOME_LEVELS.index(level) / (len(OUTCOME_LEVELS) - 1)
    raise ValueError(f"unknown outcome mode {mode!r}; modes: binary, level")


def step_components(
    edit_applied: bool = False, compiles: bool = False, targeted_test_passes: bool = False
) -> dict[str, float]:
    """r^low_t parts of one step, each 0.0 or 1.0 (a non-edit step scores all zeros).

    ``compiles`` and ``targeted_test_passes`` only count on a step whose edit applied.
    """
    return {
        "edit_applied": float(edit_applied),
        "compiles": float(edit_applied and compiles),
        "targeted_test_passes": float(edit_applied and compiles and targeted_test_passes),
    }


def python_compiles(source: str, filename: str = "<edit>") -> bool:
    """Whether ``source`` compiles as Python (nothing is executed)."""
    try:
        compile(source, filename, "exec")
    except (SyntaxError, ValueError):
        return False
    return True
