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

import hashlib
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

    groups = _groups(design, g, psu, w, rows, n_domains)
    pair_domain, pair_psu = groups.pair_domain, groups.pair_psu
    pair_y, unweighted_y = groups.aggregate(y_in)
    domain_y = groups.to_domains(pair_y)
    if x_in is None:
        ratio = domain_y
        unweighted = unweighted_y
        score_pairs = pair_y
        n_rows = np.repeat(groups.rows_per_domain[:, None], k, axis=1)
        nonzero = None
    else:
        pair_x, unweighted_x = groups.aggregate(x_in)
        domain_x = groups.to_domains(pair_x)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(domain_x != 0, domain_y / domain_x, np.nan)
            unweighted = np.where(unweighted_x != 0, unweighted_y / unweighted_x, np.nan)
            scaled = 1.0 / np.where(domain_x != 0, domain_x, np.inf)
        r0 = np.nan_to_num(ratio)
        score_pairs = (pair_y - r0[pair_domain] * pair_x) * scaled[pair_domain]
        nonzero = (x_in != 0).astype(np.float32)
        n_rows = np.rint(groups.aggregate(nonzero, weighted=False)[1]).astype(np.int64)

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
        score_pairs = _combine_by_domain(score_pairs, groups, coefficients)
        any_used = used.any(axis=0)  # (m, k): a column a combination uses in some domain
        if nonzero is None:
            n_rows = np.repeat(groups.rows_per_domain[:, None], coefficients.shape[1], axis=1)
        else:
            # Rows with a non-zero denominator in any column a combination uses: one matrix product.
            has = (nonzero @ any_used.T.astype(np.float32)) > 0
            n_rows = np.rint(groups.aggregate(has.astype(np.float32), weighted=False)[1]).astype(np.int64)
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


@dataclass(frozen=True, eq=False)
class _Groups:
    """How the rows of a set of domains group into (domain, PSU) pairs, kept on the design so every
    estimate on the same domains reuses it. Pairs are in (domain, PSU) order, so a domain's pairs —
    and a (domain, stratum) cell's, PSUs being numbered in stratum order — are contiguous runs."""

    # Either sparse incidence matrices (PSUs of several rows) — ``to_pairs`` (pairs × rows, the
    # design weight of each row in its pair) and ``count`` (domains × rows, ones) — or, when every
    # row is its own pair (no clusters), the permutation ``order`` of the rows into pair order
    # (``None``: already in order) and the weights in that order: a gather beats a sparse product.
    to_pairs: sparse.csr_matrix | None
    count: sparse.csr_matrix | None
    order: np.ndarray | None
    sorted_weights: np.ndarray | None
    pair_domain: np.ndarray
    pair_psu: np.ndarray
    domain_starts: np.ndarray  # first pair of each domain that has pairs
    domains_present: np.ndarray
    rows_per_domain: np.ndarray
    n_domains: int

    def aggregate(self, values: np.ndarray, *, weighted: bool = True):
        """``(weighted pair sums or None, unweighted domain sums)`` of the rows' ``values``."""
        if self.to_pairs is not None:
            return (self.to_pairs @ values if weighted else None), self.count @ values
        in_order = values if self.order is None else values[self.order]
        pairs = in_order * self.sorted_weights[:, None] if weighted else None
        return pairs, self.to_domains(in_order)

    def to_domains(self, pair_values: np.ndarray) -> np.ndarray:
        out = np.zeros((self.n_domains, *pair_values.shape[1:]))
        if len(self.domain_starts):
            out[self.domains_present] = np.add.reduceat(pair_values, self.domain_starts, axis=0)
        return out

    def domain_slices(self) -> dict[int, slice]:
        ends = np.r_[self.domain_starts[1:], len(self.pair_domain)]
        return {
            int(d): slice(int(s), int(e))
            for d, s, e in zip(self.domains_present, self.domain_starts, ends, strict=True)
        }


def _groups(design: Design, g: np.ndarray, psu: np.ndarray, w: np.ndarray, rows, n_domains: int) -> _Groups:
    # Keyed by the domain codes and which rows are in a domain (the PSUs and weights are the design's).
    digest = hashlib.blake2b(g.tobytes(), digest_size=16)
    if rows is not None:
        digest.update(b"rows")
        digest.update(np.asarray(rows, dtype=np.int64).tobytes())
    cache_key = ("groups", digest.hexdigest(), len(g), n_domains)
    cached = design.cache.get(cache_key)
    if cached is not None:
        return cached
    key = g * design.n_psus + psu
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    one_row_each = len(key) < 2 or bool(np.all(sorted_key[1:] != sorted_key[:-1]))
    positions = np.arange(len(g))
    if one_row_each:
        pair_keys = sorted_key
        in_order = bool(np.all(order == positions))
        to_pairs = count = None
        sorted_weights = w if in_order else w[order]
        order = None if in_order else order
    else:
        # The pairs from the one sort already made: a new pair starts wherever the key changes.
        new_pair = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
        pair_keys = sorted_key[new_pair]
        pair_of_row = np.empty(len(key), dtype=np.int64)
        pair_of_row[order] = np.cumsum(new_pair) - 1
        to_pairs = sparse.csr_matrix((w, (pair_of_row, positions)), shape=(len(pair_keys), len(g)))
        count = sparse.csr_matrix((np.ones(len(g)), (g, positions)), shape=(n_domains, len(g)))
        order = sorted_weights = None
    pair_domain = pair_keys // design.n_psus
    pair_psu = pair_keys % design.n_psus
    domain_starts = (
        np.r_[0, np.flatnonzero(np.diff(pair_domain)) + 1]
        if len(pair_domain)
        else np.zeros(0, dtype=np.int64)
    )
    groups = _Groups(
        to_pairs=to_pairs,
        count=count,
        order=order,
        sorted_weights=sorted_weights,
        pair_domain=pair_domain,
        pair_psu=pair_psu,
        domain_starts=domain_starts,
        domains_present=pair_domain[domain_starts],
        rows_per_domain=np.bincount(g, minlength=n_domains).astype(np.int64),
        n_domains=n_domains,
    )
    if len(design.cache) > 16:  # a handful of domain sets per design is all a run uses
        design.cache.clear()
    design.cache[cache_key] = groups
    return groups


def _combine_by_domain(score_pairs: np.ndarray, groups: _Groups, coefficients: np.ndarray) -> np.ndarray:
    """``Σ_j a_dmj · t_pj`` for every pair ``p`` of domain ``d``: one matrix product with the most
    common coefficient matrix, then the domains that differ (an item without answers there) redone
    on their own contiguous pairs."""
    n_domains, m, k = coefficients.shape
    flat = np.ascontiguousarray(coefficients).reshape(n_domains, m * k)
    present = groups.domains_present
    reference = flat[present[0]] if len(present) else flat[0]
    combined = score_pairs @ reference.reshape(m, k).T
    differs = np.flatnonzero((flat[present] != reference).any(axis=1))
    if len(differs):
        slices = groups.domain_slices()
        for d in present[differs]:
            block = slices[int(d)]
            combined[block] = score_pairs[block] @ flat[d].reshape(m, k).T
    return combined


def _variances(design: Design, pair_domain, pair_psu, pair_totals, n_domains: int) -> np.ndarray:
    """Var of every (domain, quantity) from the PSU totals of its scores."""
    scale, centred, factor = design.stratum_scale()
    stratum = design.stratum_of_psu[pair_psu]
    cell_id = pair_domain * design.n_strata + stratum
    if len(cell_id) and np.all(cell_id[1:] >= cell_id[:-1]):
        # Pairs in (domain, PSU) order are in (domain, stratum) order: sum contiguous runs.
        cell_starts = np.r_[0, np.flatnonzero(np.diff(cell_id)) + 1]
        cell_keys = cell_id[cell_starts]
        first = np.add.reduceat(pair_totals, cell_starts, axis=0)
        second = np.add.reduceat(pair_totals**2, cell_starts, axis=0)
    else:
        cell_keys, cell_of_pair = np.unique(cell_id, return_inverse=True)
        first = _sum_by(cell_of_pair, pair_totals, len(cell_keys))
        second = _sum_by(cell_of_pair, pair_totals**2, len(cell_keys))
    cell_domain = cell_keys // design.n_strata
    cell_stratum = cell_keys % design.n_strata
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
