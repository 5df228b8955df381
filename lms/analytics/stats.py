"""The statistics behind the dashboards, as plain functions of numbers (numpy and scipy only).

Each function says which test or formula it uses; ``docs/analytics.md`` explains them for readers
of the dashboards.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats

ALPHA = 0.05


def point_biserial(item_correct: Sequence[float], total_score: Sequence[float]) -> float | None:
    """Pearson correlation between an item's 0/1 outcome and the learners' total scores.

    None when it is undefined: fewer than two learners, or everyone scored the item (or the test)
    the same.
    """
    x = np.asarray(item_correct, dtype=np.float64)
    y = np.asarray(total_score, dtype=np.float64)
    if len(x) < 2 or x.std() == 0 or y.std() == 0:
        return None
    return float(np.corrcoef(x, y)[0, 1])


@dataclass(frozen=True)
class CurveFit:
    slope: float | None
    p_value: float | None
    flat: bool


def learning_curve_fit(opportunities: Sequence[int], error_rates: Sequence[float]) -> CurveFit:
    """Least-squares line through (opportunity, error rate); the curve is *flat* (no learning
    visible) unless the slope is significantly below 0: one-sided t-test on the slope, p < 0.05.
    Fewer than three points are flat by definition (too little to tell)."""
    if len(opportunities) < 3:
        return CurveFit(None, None, True)
    x = np.asarray(opportunities, dtype=np.float64)
    y = np.asarray(error_rates, dtype=np.float64)
    if np.all(y == y[0]):
        return CurveFit(0.0, 1.0, True)
    fit = scipy_stats.linregress(x, y)
    slope = float(fit.slope)
    two_sided = float(fit.pvalue) if math.isfinite(fit.pvalue) else 1.0
    one_sided = two_sided / 2 if slope < 0 else 1 - two_sided / 2
    return CurveFit(slope, one_sided, not (slope < 0 and one_sided < ALPHA))


@dataclass(frozen=True)
class Comparison:
    """Adaptive minus fixed, with a 95% confidence interval and the test's p-value."""

    test: str
    n_a: int
    n_b: int
    value_a: float | None
    value_b: float | None
    difference: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None

    @property
    def significant(self) -> bool:
        return self.p_value is not None and self.p_value < ALPHA

    @property
    def enough_data(self) -> bool:
        return self.p_value is not None


def welch(a: Sequence[float], b: Sequence[float]) -> Comparison:
    """Welch's t-test of the difference of two means (unequal variances), with the
    Welch–Satterthwaite degrees of freedom for the 95% interval. Needs two values per group."""
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    mean_a = float(x.mean()) if len(x) else None
    mean_b = float(y.mean()) if len(y) else None
    if len(x) < 2 or len(y) < 2:
        return Comparison("Welch t-test", len(x), len(y), mean_a, mean_b, None, None, None, None)
    assert mean_a is not None and mean_b is not None
    va, vb = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    diff = mean_a - mean_b
    se = math.sqrt(va + vb)
    if se == 0:
        p = 1.0 if diff == 0 else 0.0
        return Comparison("Welch t-test", len(x), len(y), mean_a, mean_b, diff, diff, diff, p)
    df = (va + vb) ** 2 / (va**2 / (len(x) - 1) + vb**2 / (len(y) - 1))
    t = diff / se
    p = float(2 * scipy_stats.t.sf(abs(t), df))
    half = float(scipy_stats.t.ppf(1 - ALPHA / 2, df)) * se
    return Comparison("Welch t-test", len(x), len(y), mean_a, mean_b, diff, diff - half, diff + half, p)


def two_proportions(successes_a: int, n_a: int, successes_b: int, n_b: int) -> Comparison:
    """Two-proportion z-test (pooled standard error) for the p-value; the 95% interval of the
    difference uses the unpooled (Wald) standard error."""
    pa = successes_a / n_a if n_a else None
    pb = successes_b / n_b if n_b else None
    if not n_a or not n_b:
        return Comparison("two-proportion z-test", n_a, n_b, pa, pb, None, None, None, None)
    assert pa is not None and pb is not None
    diff = pa - pb
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    se = math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    z_crit = float(scipy_stats.norm.ppf(1 - ALPHA / 2))
    p = 1.0 if se_pooled == 0 else float(2 * scipy_stats.norm.sf(abs(diff / se_pooled)))
    return Comparison("two-proportion z-test", n_a, n_b, pa, pb, diff, diff - z_crit * se, diff + z_crit * se, p)


def median(values: Sequence[float]) -> float | None:
    return float(np.median(np.asarray(values, dtype=np.float64))) if len(values) else None
