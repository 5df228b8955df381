"""The statistics of the dashboards against numbers worked out by hand."""

from __future__ import annotations

import math

import pytest

from lms.analytics.stats import learning_curve_fit, median, point_biserial, two_proportions, welch


def test_it_computes_welchs_interval_by_hand() -> None:
    # a = 1..4: mean 2.5, variance 5/3; b = 2, 4, 6, 8: mean 5, variance 20/3. se = sqrt(5/12 + 20/12)
    # = 1.44338; df = (25/12)^2 / ((5/12)^2 / 3 + (20/12)^2 / 3) = 4.4118; t(0.975, 4.41) = 2.6772.
    c = welch([1, 2, 3, 4], [2, 4, 6, 8])
    assert c.difference == pytest.approx(-2.5)
    assert (c.ci_low, c.ci_high) == (pytest.approx(-2.5 - 2.6772 * 1.44338, abs=1e-3),
                                     pytest.approx(-2.5 + 2.6772 * 1.44338, abs=1e-3))
    assert c.p_value == pytest.approx(0.1516, abs=1e-4)  # t = -2.5 / 1.44338 = -1.732
    assert not c.significant and c.enough_data and (c.n_a, c.n_b) == (4, 4)


def test_it_computes_the_two_proportion_test_by_hand() -> None:
    # 30/50 vs 20/50: difference .2; unpooled se sqrt(.24/50 + .24/50) = .09798 -> CI .2 ± 1.96 * .09798;
    # pooled p .5, se sqrt(.25 * .04) = .1, z = 2, p = .0455.
    c = two_proportions(30, 50, 20, 50)
    assert c.difference == pytest.approx(0.2)
    assert c.ci_low == pytest.approx(0.2 - 1.959964 * 0.0979796, abs=1e-6)
    assert c.ci_high == pytest.approx(0.2 + 1.959964 * 0.0979796, abs=1e-6)
    assert c.p_value == pytest.approx(0.0455, abs=1e-4) and c.significant


def test_it_says_when_there_is_not_enough_data() -> None:
    assert not welch([1.0], [2.0, 3.0]).enough_data
    assert not two_proportions(0, 0, 1, 2).enough_data
    assert welch([1.0, 1.0], [1.0, 1.0]).p_value == 1.0


def test_it_computes_point_biserial_by_hand() -> None:
    assert point_biserial([1, 1, 0, 0], [1, 0.5, 0.5, 0]) == pytest.approx(1 / math.sqrt(2))
    assert point_biserial([1, 1, 1], [1, 0.5, 0]) is None  # everyone right: undefined
    assert point_biserial([1], [1]) is None


def test_it_tells_a_falling_learning_curve_from_a_flat_one() -> None:
    falling = learning_curve_fit([1, 2, 3, 4], [0.6, 0.45, 0.35, 0.2])
    assert falling.slope == pytest.approx(-0.13) and not falling.flat
    assert learning_curve_fit([1, 2, 3], [0.4, 0.6, 0.4]).flat
    assert learning_curve_fit([1, 2, 3], [0.2, 0.3, 0.4]).flat  # rising: no learning visible
    assert learning_curve_fit([1, 2], [0.9, 0.1]).flat  # too few points to tell


def test_it_takes_the_median() -> None:
    assert median([4.0, 1.0, 3.0, 10.0]) == 3.5
    assert median([]) is None
