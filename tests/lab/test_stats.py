"""Paired statistics of the credit tables, against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from agentrl.lab.fidelity import pearson
from agentrl.lab.stats import correct, holm, paired, paired_group_bootstrap, sign_flip_p


def test_holm_steps_down_and_keeps_the_order() -> None:
    # sorted: 0.01·3 = 0.03, 0.03·2 = 0.06, 0.04·1 → max(0.06, 0.04) = 0.06
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])


def test_sign_flip_p_is_exact_for_small_samples() -> None:
    # 8 sign patterns of (1, 2, 3); |mean| ≥ 2 only for all + and all −
    assert sign_flip_p([1.0, 2.0, 3.0]) == pytest.approx(2 / 8)
    # (1, −1): every pattern has |mean| ≥ 0 → p = 1
    assert sign_flip_p([1.0, -1.0]) == 1.0 and sign_flip_p([0.0, 0.0]) == 1.0


def test_paired_interval_and_primary_contrast_left_uncorrected() -> None:
    d = paired([1.0, 2.0, 3.0])  # mean 2, sd 1, t(2) = 4.303 → half-width 4.303/√3
    assert (d.mean, d.high - d.mean) == pytest.approx((2.0, 4.303 / np.sqrt(3)))
    family = {"primary": paired([0.1] * 6), "a": paired([0.1] * 6), "b": paired([1, -1] * 3)}
    correct(family, "primary")
    assert family["primary"].p_adjusted is None
    assert family["a"].p_adjusted == pytest.approx(2 * family["a"].p)  # the smaller of two
    assert "p_Holm=" in family["a"].cell() and "p=" in family["primary"].cell()


def test_paired_group_bootstrap_sees_a_better_estimator() -> None:
    rng = np.random.default_rng(0)
    truth = rng.normal(size=400)
    good, bad = truth + rng.normal(0, 0.3, 400), truth + rng.normal(0, 2.0, 400)
    groups = np.repeat(np.arange(40), 10)
    d = paired_group_bootstrap(pearson, good, bad, truth, groups, draws=300)
    assert d.mean == pytest.approx(pearson(good, truth) - pearson(bad, truth))
    assert 0 < d.low < d.mean < d.high and d.p < 0.01


def test_contrast_lines_put_the_primary_uncorrected_and_the_rest_with_holm():
    from agentrl.lab.stats import Difference, contrast_lines, correct

    family = {"primary": Difference(0.1, 0.0, 0.2, 0.04, n=5),
              "x": Difference(0.2, 0.1, 0.3, 0.01, n=5),
              "y": Difference(-0.1, -0.3, 0.1, 0.03, n=5)}
    correct(family, "primary")
    lines = contrast_lines(family, "primary", column="Δ")
    assert lines[2] == "Primary (uncorrected): **primary** = +0.100 [+0.000, +0.200] p=0.040."
    assert lines[4:6] == ["| contrast | Δ |", "|---|---|"]
    # Holm over {0.01, 0.03}: 0.01 × 2 = 0.02, max(0.03 × 1, 0.02) = 0.03.
    assert lines[6:] == ["| x | +0.200 [+0.100, +0.300] p_Holm=0.020 |",
                         "| y | -0.100 [-0.300, +0.100] p_Holm=0.030 |"]
