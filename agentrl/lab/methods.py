"""The rows of a credit report: estimators (with shapings) and the two controls.

A row is named ``estimator`` or ``estimator+shaping[+shaping…]`` (registered names, e.g.
``gigpo+format``), or a registered control:
- ``gigpo-placebo``: an estimator itself (anchor groups shuffled within episode groups);
- ``grpo@gigpo-rms``: GRPO's advantages scaled to GiGPO's RMS on the same batch, so a
  larger magnitude alone cannot look like better credit (correlations and sign agreement
  are scale-free; the projection E[Â·Â^MC] is not).
Every row's advantages are computed on its own deep copy of the batch.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from agentrl.core.registry_base import Registry
from agentrl.core.types import Trajectory
from agentrl.credit.advantages.whitening import advantage_rms
from agentrl.credit.registry import get_advantage, get_shaping, list_advantages

RowFn = Callable[[list[Trajectory]], list[list[float]]]
CONTROLS: Registry[RowFn] = Registry("credit-report control")
DEFAULT_ROWS = ("grpo", "rloo", "reinforce++", "salt", "gigpo", "gigpo+format",
                "gigpo-placebo", "grpo@gigpo-rms")


def turn_means(advantages: list[list[float | list[float]]]) -> list[list[float]]:
    """Per-token advantage lists replaced by their mean (one number per turn)."""
    return [[sum(a) / len(a) if isinstance(a, list) and a else float(a or 0.0) for a in row]
            for row in advantages]


def parse_row(spec: str) -> tuple[str, list[str]]:
    """(estimator, shapings) of ``estimator[+shaping…]``; a registered name such as
    ``reinforce++`` is taken whole."""
    if spec in list_advantages():
        return spec, []
    name, *shapings = spec.split("+")
    return name, shapings


def estimate(spec: str, trajectories: list[Trajectory]) -> list[list[float]]:
    """The per-turn advantages of row ``spec`` on a copy of ``trajectories``."""
    if spec in CONTROLS:
        return CONTROLS.get(spec)(trajectories)
    name, shapings = parse_row(spec)
    batch = copy.deepcopy(trajectories)
    for shaping in shapings:
        batch = get_shaping(shaping)(batch)
    return turn_means(get_advantage(name)(batch))


def check_rows(specs: list[str]) -> None:
    """Raise ``UnknownNameError`` for a row naming no control, estimator or shaping."""
    for spec in specs:
        if spec in CONTROLS:
            continue
        name, shapings = parse_row(spec)
        get_advantage(name)
        for shaping in shapings:
            get_shaping(shaping)


@CONTROLS.register("grpo@gigpo-rms")
def grpo_at_gigpo_rms(trajectories: list[Trajectory]) -> list[list[float]]:
    """A = A^GRPO · RMS(A^GiGPO) / RMS(A^GRPO) over the batch (0 when GRPO's RMS is 0)."""
    errored = [t.errored for t in trajectories]
    grpo = estimate("grpo", trajectories)
    target = advantage_rms(estimate("gigpo", trajectories), errored)
    own = advantage_rms(grpo, errored)
    scale = target / own if own else 0.0
    return [[a * scale for a in row] for row in grpo]
