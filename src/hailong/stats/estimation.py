"""Totals, means, proportions and ratios — and linear combinations of them — for every domain at once.

For a ratio ``R = Y/X`` with ``Y = Σ w_i y_i`` and ``X = Σ w_i x_i`` over the rows of a domain ``d``,
the linearised score (Taylor, first order) is::

    u_i = w_i · 1[i ∈ d] · (y_i − R̂ x_i) / X̂

and ``Var(R̂)`` is the design variance of ``Σ u_i`` (``design.py``). A mean is a ratio with ``x = 1``,
a proportion a mean of an indicator, a total ``Y`` itself (score ``w_i y_i``). A linear combination
``θ = Σ_j a_j R_j`` has the score ``Σ_j a_j u_ij``, so its variance carries every covariance between
the ratios (``svycontrast``). Domains are estimated inside the full design: a PSU with no row of the
domain still counts in its stratum, with a zero total (R's ``svyby`` on subsets).

Everything is computed from PSU × domain totals, so the cost grows with the rows once and then with
the number of (domain, PSU) pairs — not with domains × rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

from hailong.stats.design import Design, DesignError
from hailong.stats.intervals import interval


@dataclass(eq=False)
class Figures:
    """Estimates for ``D`` domains × ``q`` quantities, with what is needed for their covariances.

    ``estimate``, ``se``, ``n`` (rows of the domain with a non-zero denominator; for totals, rows of
    the domain), ``unweighted`` (the same estimator with every weight 1) are ``(D, q)`` arrays; an
    estimate whose denominator is zero is NaN. ``pair_domain``, ``pair_psu`` and ``pair_totals``
    hold the non-zero PSU totals of the scores, from which ``covariance`` works.
    """

    design: Design
    estimate: np.ndarray
    se: np.ndarray
    n: np.ndarray
    unweighted: np.ndarray
    pair_domain: np.ndarray
    pair_psu: np.ndarray
    pair_totals: np.ndarray
    n_domains: int

    @property
    def df(self) -> int:
        return self.design.degrees_of_freedom

    def interval(self, *, level: float = 0.95, method: str = "normal", proportion: bool = False):
        """``(low, high)`` arrays: see ``intervals.interval``."""
        return interval(self.estimate, self.se, level=level, method=method, df=self.df, proportion=proportion)

    def covariance(self, quantity: int, other: Figures | None = None, other_quantity: int | None = None):
        """Design covariance (D × D') of quantity ``quantity`` across this object's domains and
        ``other_quantity`` across ``other``'s (the same object by default) — for differences between
        domains, or between a domain and the whole population (another ``Figures`` of one domain).

        With ``lonely_psu="average"`` the scaling is the whole design's (strata / strata with
        variance), as in ``vcov(svyby(..., covmat=TRUE))``; ``se`` of a domain that misses some
        strata uses that domain's own count (``svyby``'s standard errors), so there ``se²`` and the
        diagonal here may differ — exactly as they do in R."""
        other = self if other is None else other
        other_quantity = quantity if other_quantity is None else other_quantity
        if other.design is not self.design:
            raise DesignError("Covariances need two sets of figures from the same design.")
        design = self.design
        scale, centred, factor = design.stratum_scale()
        a_psu, a_dom = self._matrices(quantity, scale)
        b_psu, b_dom = other._matrices(other_quantity, scale)
        within = (a_psu @ b_psu.T).toarray()
        centring = np.where(centred, 1.0, 0.0) * scale / design.psus_per_stratum
        between = (a_dom @ sparse.diags(centring) @ b_dom.T).toarray()
        return factor * (within - between)

    def _matrices(self, quantity: int, scale: np.ndarray):
        design = self.design
        values = self.pair_totals[:, quantity]
        stratum = design.stratum_of_psu[self.pair_psu]
        shape_psu = (self.n_domains, design.n_psus)
        by_psu = sparse.csr_matrix(
            (values * np.sqrt(scale[stratum]), (self.pair_domain, self.pair_psu)), shape_psu
        )
        by_stratum = sparse.csr_matrix(
            (values, (self.pair_domain, stratum)), (self.n_domains, design.n_strata)
        )
        return by_psu, by_stratum


def _domain_codes(design: Design, domains, n_domains: int | None) -> tuple[np.ndarray, int]:
    if domains is None:
        return np.zeros(design.n, dtype=np.int64), 1
    codes = np.asarray(domains, dtype=np.int64)
    if codes.shape != (design.n,):
        raise DesignError(f"The domain codes have {codes.shape[0]} rows, the data {design.n}.")
    if n_domains is None:
        n_domains = int(codes.max(initial=-1)) + 1
    if codes.size and codes.max() >= n_domains:
        raise DesignError("A domain code is not below n_domains.")
    return codes, n_domains


def _as_matrix(values, n: int) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim == 1:
        array = array[:, None]
    if array.shape[0] != n:
        raise DesignError(f"The data have {array.shape[0]} rows, the design {n}.")
    return array


def _sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Column sums of ``values`` grouped by ``index`` (values may be 1- or 2-D)."""
    if values.ndim == 1:
        return np.bincount(index, weights=values, minlength=size)
    out = np.empty((size, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(index, weights=values[:, j], minlength=size)
    return out


def estimate_ratios(
    design: Design,
    numerators,
    denominators=None,
    *,
    domains=None,
    n_domains: int | None = None,
    combinations=None,
) -> Figures:
    """Ratios ``Σw·y / Σw·x`` (or totals ``Σw·y`` without ``denominators``) for every domain.

    ``numerators`` and ``denominators`` are ``(n, k)`` (or ``(n,)``); ``domains`` integer codes
    ``0…D−1`` per row (−1: in no domain; ``None``: one domain, the whole population). With
    ``combinations`` — ``(m, k)``, or ``(D, m, k)`` for coefficients that differ by domain — the
    figures are the ``m`` combinations ``Σ_j a_j R_j`` instead of the ``k`` ratios; a combination
    is NaN where a ratio it uses (non-zero coefficient) is.
    """
    n = design.n
    y = _as_matrix(numerators, n)
    k = y.shape[1]
    x = None if denominators is None else _as_matrix(denominators, n)
    if x is not None and x.shape != y.shape:
        raise DesignError("Numerators and denominators must have the same shape.")
    codes, n_domains = _domain_codes(design, domains, n_domains)
    inside = codes >= 0
    rows = np.flatnonzero(inside) if not inside.all() else None
    w = design.weights if rows is None else design.weights[rows]
    g = codes if rows is None else codes[rows]
    psu = design.psu_of_row if rows is None else design.psu_of_row[rows]
    y_in = y if rows is None else y[rows]
    x_in = None if x is None else (x if rows is None else x[rows])

    # (domain, PSU) pairs present in the data, and each row's pair.
    key = g * design.n_psus + psu
    pair_keys, pair_of_row = np.unique(key, return_inverse=True)
    pair_domain = pair_keys // design.n_psus
    pair_psu = pair_keys % design.n_psus
    n_pairs = len(pair_keys)
    to_pairs = sparse.csr_matrix((w, (pair_of_row, np.arange(len(w)))), shape=(n_pairs, len(w)))
    pair_y = to_pairs @ y_in
    domain_y = _sum_by(pair_domain, pair_y, n_domains)
    counts_in = sparse.csr_matrix((np.ones(len(g)), (g, np.arange(len(g)))), shape=(n_domains, len(g)))
    unweighted_y = counts_in @ y_in
    if x_in is None:
        ratio = domain_y
        unweighted = unweighted_y
        score_pairs = pair_y
        n_rows = np.repeat(np.bincount(g, minlength=n_domains)[:, None], k, axis=1)
    else:
        pair_x = to_pairs @ x_in
        domain_x = _sum_by(pair_domain, pair_x, n_domains)
        unweighted_x = counts_in @ x_in
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(domain_x != 0, domain_y / domain_x, np.nan)
            unweighted = np.where(unweighted_x != 0, unweighted_y / unweighted_x, np.nan)
            scaled = 1.0 / np.where(domain_x != 0, domain_x, np.inf)
        r0 = np.nan_to_num(ratio)
        score_pairs = (pair_y - r0[pair_domain] * pair_x) * scaled[pair_domain]
        n_rows = (counts_in @ (x_in != 0).astype(float)).astype(np.int64)

    if combinations is not None:
        coefficients = np.asarray(combinations, dtype=float)
        if coefficients.ndim == 2:
            coefficients = np.broadcast_to(coefficients, (n_domains, *coefficients.shape))
        if coefficients.shape[0] != n_domains or coefficients.shape[2] != k:
            raise DesignError("combinations must be (m, k) or (D, m, k).")
        used = coefficients != 0
        missing = np.isnan(ratio)
        undefined = (used & missing[:, None, :]).any(axis=2)
        estimate = np.where(undefined, np.nan, np.einsum("dmk,dk->dm", coefficients, np.nan_to_num(ratio)))
        unweighted = np.where(
            undefined, np.nan, np.einsum("dmk,dk->dm", coefficients, np.nan_to_num(unweighted))
        )
        m = coefficients.shape[1]
        combined = np.empty((n_pairs, m))
        for index in range(m):
            combined[:, index] = (coefficients[pair_domain, index, :] * score_pairs).sum(axis=1)
        score_pairs = combined
        any_used = used.any(axis=0)  # (m, k): a column a combination uses in some domain
        nonzero = np.ones_like(y_in, dtype=bool) if x_in is None else x_in != 0
        n_rows = np.empty((n_domains, m), dtype=np.int64)
        for index in range(m):
            has = nonzero[:, any_used[index]].any(axis=1)
            n_rows[:, index] = np.bincount(g, weights=has, minlength=n_domains).astype(np.int64)
    else:
        estimate = ratio

    if design.calibrations:
        pair_domain, pair_psu, score_pairs = _calibrated_pairs(
            design, codes, y, x, ratio, combinations, n_domains
        )
    variance = _variances(design, pair_domain, pair_psu, score_pairs, n_domains)
    se = np.where(np.isnan(estimate), np.nan, np.sqrt(np.maximum(variance, 0.0)))
    return Figures(
        design=design,
        estimate=estimate,
        se=se,
        n=n_rows,
        unweighted=unweighted,
        pair_domain=pair_domain,
        pair_psu=pair_psu,
        pair_totals=score_pairs,
        n_domains=n_domains,
    )


def _variances(design: Design, pair_domain, pair_psu, pair_totals, n_domains: int) -> np.ndarray:
    """Var of every (domain, quantity) from the PSU totals of its scores."""
    scale, centred, factor = design.stratum_scale()
    stratum = design.stratum_of_psu[pair_psu]
    cell_keys, cell_of_pair = np.unique(pair_domain * design.n_strata + stratum, return_inverse=True)
    cell_domain = cell_keys // design.n_strata
    cell_stratum = cell_keys % design.n_strata
    n_cells = len(cell_keys)
    first = _sum_by(cell_of_pair, pair_totals, n_cells)
    second = _sum_by(cell_of_pair, pair_totals**2, n_cells)
    centring = np.where(centred[cell_stratum], 1.0 / design.psus_per_stratum[cell_stratum], 0.0)
    cells = scale[cell_stratum][:, None] * (second - centring[:, None] * first**2)
    variances = _sum_by(cell_domain, cells, n_domains)
    lonely = design.lonely_strata
    if design.lonely_psu != "average" or not lonely.any():
        return factor * variances
    # "average" for a domain, as svyby reports it: R estimates the domain on its subset, whose
    # variance sums over the strata where the domain has rows only, scaled by (those strata) /
    # (those strata that are not lonely). The whole population reaches every stratum, so its factor
    # is the design's. (A calibrated design's subset keeps every row: ``_calibrated_pairs`` gives
    # every domain every PSU, hence every stratum, as in R.) Covariances between domains
    # (``Figures.covariance``) keep the design's factor, as ``svyby(covmat=TRUE)`` does.
    reached = np.bincount(cell_domain, minlength=n_domains).astype(float)
    lonely_reached = np.bincount(cell_domain, weights=lonely[cell_stratum], minlength=n_domains)
    with_variance = reached - lonely_reached
    domain_factor = np.where(
        with_variance > 0, reached / np.where(with_variance > 0, with_variance, 1.0), 0.0
    )
    return domain_factor[:, None] * variances


def _calibrated_pairs(design, codes, y, x, ratio, combinations, n_domains, chunk_cells: int = 20_000_000):
    """PSU totals of the calibration residuals: the residual of a domain's score reaches rows outside
    the domain, so the scores are built row by row, a few domains at a time."""
    n = design.n
    k = y.shape[1]
    w = design.weights
    coefficients = None
    if combinations is not None:
        coefficients = np.asarray(combinations, dtype=float)
        if coefficients.ndim == 2:
            coefficients = np.broadcast_to(coefficients, (n_domains, *coefficients.shape))
    q = k if coefficients is None else coefficients.shape[1]
    if x is None:
        domain_x = None
    else:
        domain_x = np.zeros((n_domains, k))
        inside = codes >= 0
        for j in range(k):
            domain_x[:, j] = np.bincount(codes[inside], weights=(w * x[:, j])[inside], minlength=n_domains)
    per_chunk = max(1, chunk_cells // max(1, n * q))
    domains_out, psus_out, totals_out = [], [], []
    r0 = np.nan_to_num(ratio)
    for start in range(0, n_domains, per_chunk):
        block = range(start, min(n_domains, start + per_chunk))
        scores = np.zeros((n, len(block) * q))
        for offset, d in enumerate(block):
            member = codes == d
            if x is None:
                u = w[member, None] * y[member]
            else:
                inverse = np.where(domain_x[d] != 0, 1.0 / np.where(domain_x[d] != 0, domain_x[d], 1.0), 0.0)
                u = w[member, None] * (y[member] - r0[d] * x[member]) * inverse
            if coefficients is not None:
                u = u @ coefficients[d].T
            scores[member, offset * q : (offset + 1) * q] = u
        totals = design.psu_totals(design.residualise(scores))
        for offset, d in enumerate(block):
            domains_out.append(np.full(design.n_psus, d))
            psus_out.append(np.arange(design.n_psus))
            totals_out.append(totals[:, offset * q : (offset + 1) * q])
    return np.concatenate(domains_out), np.concatenate(psus_out), np.concatenate(totals_out)


def total(design: Design, y, *, domains=None, n_domains: int | None = None) -> Figures:
    """Estimated totals ``Σ w y`` (``svytotal``)."""
    return estimate_ratios(design, y, None, domains=domains, n_domains=n_domains)


def mean(design: Design, y, *, domains=None, n_domains: int | None = None) -> Figures:
    """Estimated means ``Σ w y / Σ w`` (``svymean``); a NaN in ``y`` leaves that row out of that mean."""
    values = _as_matrix(y, design.n)
    present = ~np.isnan(values)
    return estimate_ratios(
        design, np.where(present, values, 0.0), present.astype(float), domains=domains, n_domains=n_domains
    )


def ratio(design: Design, y, x, *, domains=None, n_domains: int | None = None) -> Figures:
    """Estimated ratios ``Σ w y / Σ w x`` (``svyratio``)."""
    return estimate_ratios(design, y, x, domains=domains, n_domains=n_domains)
