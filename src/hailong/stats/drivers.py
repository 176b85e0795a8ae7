"""Which criteria move overall satisfaction: weighted correlations over respondents, per domain.

A respondent's **criterion score** is the share of his valid answers to the criterion's items that
are satisfied (undefined without a valid answer); the **overall** variable is his answer to the
overall question (1 satisfied, 0 valid but not; undefined otherwise) or, without one, his share
over all criteria items. For every domain ``d`` and criterion ``c``, over the respondents of ``d``
with both defined::

    r_dc = S_xy / sqrt(S_xx · S_yy),   S_xy = Σ w (x − x̄)(y − ȳ) = Σ w x y − (Σ w x)(Σ w y) / Σ w

— the weighted Pearson correlation. A criterion that varies with overall satisfaction is where a
unit gains most by improving; this is a descriptive ranking of criteria (no standard error; a
correlation is not a cause), as the field's reports use it.

The sums add up: ``correlation_sums`` of small domains (units) summed over a larger one (a unit
type) are the larger domain's sums, so a caller computes them once at the finest level.
"""

from __future__ import annotations

import numpy as np

from hailong.stats.indices import NOT_VALID, SATISFIED

# The sums, in order, per domain and criterion: Σw, Σwx, Σwy, Σwxy, Σwx², Σwy², rows.
N_SUMS = 7


def respondent_shares(coded: np.ndarray, columns: list[int]) -> np.ndarray:
    """Per row, the share of satisfied answers among the valid ones of ``columns`` (NaN: none valid)."""
    block = coded[:, columns]
    valid = (block != NOT_VALID).sum(axis=1)
    satisfied = (block == SATISFIED).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(valid > 0, satisfied / np.where(valid > 0, valid, 1), np.nan)


def correlation_sums(
    weights: np.ndarray, x: np.ndarray, y: np.ndarray, domains: np.ndarray, n_domains: int
) -> np.ndarray:
    """``(D, c, N_SUMS)``: the weighted sums behind each column of ``x`` (NaN = undefined) against
    ``y`` in each domain (codes ``0…D−1``, −1 in none), over rows with both defined."""
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    y = np.asarray(y, dtype=float)
    out = np.zeros((n_domains, x.shape[1], N_SUMS))
    inside = (domains >= 0) & ~np.isnan(y)
    for c in range(x.shape[1]):
        use = inside & ~np.isnan(x[:, c])
        g, w, a, b = domains[use], weights[use], x[use, c], y[use]
        for s, values in enumerate((w, w * a, w * b, w * a * b, w * a * a, w * b * b, np.ones(len(g)))):
            out[:, c, s] = np.bincount(g, weights=values, minlength=n_domains)
    return out


def correlations(sums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(r, n)`` from ``correlation_sums`` (summed over domains as needed)."""
    sw, sa, sb, sab, saa, sbb, rows = np.moveaxis(sums, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        cab = sab - sa * sb / sw
        caa = saa - sa * sa / sw
        cbb = sbb - sb * sb / sw
        value = cab / np.sqrt(caa * cbb)
    # No variation in a domain (everyone satisfied, say): no correlation to report.
    tiny = (caa <= 1e-12 * np.maximum(sw, 1)) | (cbb <= 1e-12 * np.maximum(sw, 1))
    r = np.where((sw > 0) & ~tiny, np.clip(value, -1.0, 1.0), np.nan)
    return r, np.rint(rows).astype(np.int64)


def weighted_correlations(
    weights: np.ndarray, x: np.ndarray, y: np.ndarray, domains: np.ndarray, n_domains: int
) -> tuple[np.ndarray, np.ndarray]:
    """``(r, n)``: ``(D, c)`` weighted correlations of each column of ``x`` with ``y`` within each
    domain, and the rows used."""
    return correlations(correlation_sums(weights, x, y, domains, n_domains))
