"""Per-batch advantage whitening, against hand-computed values, and in the trainer."""

from __future__ import annotations

import copy
import math

import pytest

from agentrl.credit.advantages.whitening import advantage_rms, whiten
from agentrl.policy.hf import HFPolicy
from agentrl.update.trainer import AlgorithmOptions, OptimOptions, Trainer


def test_whitening_divides_by_the_rms_of_non_errored_turns() -> None:
    advantages = [[3.0, -1.0], [1.0], [100.0]]
    # RMS over the first two rows: sqrt((9 + 1 + 1) / 3) = sqrt(11/3); row 3 is errored
    assert advantage_rms(advantages, [False, False, True]) == pytest.approx(math.sqrt(11 / 3))
    out = whiten(advantages, [False, False, True], eps=0.0)
    scale = 1 / math.sqrt(11 / 3)
    assert out[0] == pytest.approx([3 * scale, -scale]) and out[1] == pytest.approx([scale])
    assert advantage_rms(out, [False, False, True]) == pytest.approx(1.0)


def test_per_token_entries_count_each_token_and_zeros_stay_zero() -> None:
    advantages = [[[2.0, 0.0], 0.0], [[-2.0, 2.0]]]
    # tokens and turns: 2, 0, 0, -2, 2 → RMS = sqrt(12 / 5)
    out = whiten(advantages, [False, False], eps=0.0)
    scale = 1 / math.sqrt(12 / 5)
    assert out[0][0] == pytest.approx([2 * scale, 0.0]) and out[0][1] == 0.0
    assert out[1][0] == pytest.approx([-2 * scale, 2 * scale])
    assert whiten([[0.0, 0.0]], [False]) == [[0.0, 0.0]]


def test_trainer_whitens_when_asked(traj) -> None:
    base = HFPolicy.from_name("tiny:llama")
    batch = [traj("g", 1.0, n=2), traj("g", 0.0, n=3), traj("g", 0.0, n=1),
             traj("h", 1.0, n=2), traj("h", 0.0, n=2)]
    plain = Trainer(HFPolicy(copy.deepcopy(base.model), base.tokenizer), AlgorithmOptions(),
                    OptimOptions())
    white = Trainer(HFPolicy(copy.deepcopy(base.model), base.tokenizer),
                    AlgorithmOptions(advantage_whitening=True), OptimOptions())
    a_plain = [t.advantage for traj in plain.assign_credit(copy.deepcopy(batch))
               for t in traj.turns]
    a_white = [t.advantage for traj in white.assign_credit(copy.deepcopy(batch))
               for t in traj.turns]
    rms = math.sqrt(sum(a * a for a in a_plain) / len(a_plain))
    assert a_white == pytest.approx([a / rms for a in a_plain], rel=1e-6)
