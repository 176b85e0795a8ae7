"""Ranks with explicit ties, tests of differences, and groups of units that cannot be told apart.

- ``competition_ranks``: standard competition ranking ("1224") of estimates rounded to the published
  precision (two decimals of a percentage by default): equal published figures share a rank.
- ``difference_test``: ``z = (θ_a − θ_b) / sqrt(V_a + V_b − 2 C_ab)`` with its two-sided p-value
  (normal reference, or t with the design's degrees of freedom); ``C_ab`` is the design covariance
  (zero for independent samples such as two survey years).
- ``indistinguishable_groups``: on units sorted by estimate, each unit's group is the run of units
  from it down to the last one whose difference from it is not significant; groups that another
  contains are dropped. This is the compact "letter display" of ordered means: units sharing a
  letter are not significantly different.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as distributions


def competition_ranks(estimates, *, decimals: int | None = 4, descending: bool = True) -> np.ndarray:
    """1-based ranks; NaN estimates get rank 0 (unranked). ``decimals`` rounds before comparing
    (4 decimals of a proportion = 2 of a percentage); ``None`` compares exact values."""
    values = np.asarray(estimates, dtype=float)
    ranks = np.zeros(len(values), dtype=np.int64)
    present = ~np.isnan(values)
    compared = np.round(values, decimals) if decimals is not None else values
    keyed = -compared if descending else compared
    for index in np.flatnonzero(present):
        ranks[index] = 1 + int(np.sum(keyed[present] < keyed[index]))
    return ranks


def difference_test(a, b, var_a, var_b, cov_ab=0.0, *, df: int | None = None):
    """``(difference, se, p_value)`` of ``a − b`` (arrays broadcast)."""
    difference = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    variance = (
        np.asarray(var_a, dtype=float) + np.asarray(var_b, dtype=float) - 2 * np.asarray(cov_ab, dtype=float)
    )
    se = np.sqrt(np.maximum(variance, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        statistic = np.where(se > 0, difference / se, np.where(difference == 0, 0.0, np.inf))
    if df is not None and df >= 1:
        p_value = 2 * distributions.t.sf(np.abs(statistic), df)
    else:
        p_value = 2 * distributions.norm.sf(np.abs(statistic))
    return difference, se, p_value


def significant_differences(
    estimates, covariance, *, alpha: float = 0.05, df: int | None = None
) -> np.ndarray:
    """``(D, D)`` booleans: the difference between units ``i`` and ``j`` is significant at ``alpha``."""
    values = np.asarray(estimates, dtype=float)
    cov = np.asarray(covariance, dtype=float)
    variance = np.diag(cov)
    # p < α ⇔ |z| > the critical value: no distribution function on D² pairs (3,000 communes
    # make 9 million), only arithmetic.
    critical = (
        distributions.t.isf(alpha / 2, df)
        if df is not None and df >= 1
        else distributions.norm.isf(alpha / 2)
    )
    difference = np.abs(values[:, None] - values[None, :])
    se = np.sqrt(np.maximum(variance[:, None] + variance[None, :] - 2 * cov, 0.0))
    with np.errstate(invalid="ignore"):
        significant = np.where(se > 0, difference > critical * se, difference != 0)
    np.fill_diagonal(significant, False)
    missing = np.isnan(values)
    significant[missing, :] = False
    significant[:, missing] = False
    return significant


def indistinguishable_groups(estimates, significant: np.ndarray) -> list[list[int]]:
    """Groups (lists of unit indices, best first) of units not significantly different from each other
    along the ranking; a unit can be in several groups. NaN estimates are left out."""
    values = np.asarray(estimates, dtype=float)
    order = [
        int(i)
        for i in np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")
        if not np.isnan(values[i])
    ]
    groups: list[list[int]] = []
    last_end = -1
    for start, unit in enumerate(order):
        end = start
        while end + 1 < len(order) and not significant[unit, order[end + 1]]:
            end += 1
        if end > last_end:
            groups.append(order[start : end + 1])
            last_end = end
    return groups
