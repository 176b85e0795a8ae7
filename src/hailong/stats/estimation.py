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
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from threadpoolctl import threadpool_limits

from hailong.stats.design import Design, DesignError
from hailong.stats.intervals import interval


@dataclass(eq=False)
class Figures:
    """Estimates for ``D`` domains × ``q`` quantities, with what is needed for their covariances.

    ``estimate``, ``se``, ``n`` (rows of the domain with a non-zero denominator; for totals, rows of
    the domain), ``unweighted`` (the same estimator with every weight 1) are ``(D, q)`` arrays; an
    estimate whose denominator is zero is NaN. ``pair_domain``, ``pair_psu`` and ``pair_totals``
    hold the non-zero PSU totals of the scores, from which ``covariance`` works; for domains made
    of whole strata they are built only if asked for, the covariances coming from per-stratum
    moments (``nested``) instead.
    """

    design: Design
    estimate: np.ndarray
    se: np.ndarray
    n: np.ndarray
    unweighted: np.ndarray
    n_domains: int
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    build_pairs: Callable[[], tuple[np.ndarray, np.ndarray, np.ndarray]] | None = None
    nested: _Nested | None = None

    def _pairs(self):
        if self.pairs is None:
            self.pairs = self.build_pairs()
        return self.pairs

    @property
    def pair_domain(self) -> np.ndarray:
        return self._pairs()[0]

    @property
    def pair_psu(self) -> np.ndarray:
        return self._pairs()[1]

    @property
    def pair_totals(self) -> np.ndarray:
        return self._pairs()[2]

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
        pair = _nested_pair(self, quantity, other, other_quantity)
        if pair is not None:
            within, first_a, first_b = pair
            centring = np.where(centred, 1.0, 0.0) * scale / design.psus_per_stratum
            per_stratum = scale * within - centring * first_a * first_b
            keys = self.nested.domain_of_cell * other.n_domains + other.nested.domain_of_cell
            flat = np.bincount(keys, weights=per_stratum, minlength=self.n_domains * other.n_domains)
            return factor * flat.reshape(self.n_domains, other.n_domains)
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


def whole_covariances(figures: Figures, whole: Figures) -> np.ndarray:
    """``(D, q)``: the design covariance of every domain's quantity ``j`` with the whole
    population's quantity ``j`` — ``figures.covariance(j, whole, j)`` for every ``j`` at once (the
    same formula, vectorised over the quantities)."""
    design = figures.design
    if whole.design is not design:
        raise DesignError("Covariances need two sets of figures from the same design.")
    scale, centred, factor = design.stratum_scale()
    centring = np.where(centred, 1.0, 0.0) * scale / design.psus_per_stratum
    n_strata = design.n_strata
    moments = _shared_moments(figures, whole)
    if moments is not None:
        a = figures.nested.by_cell()
        b = whole.nested.by_cell()
        within = moments.inner(a, b)
        first = moments.first(a) * moments.first(b)
        per_stratum = scale[:, None] * within - centring[:, None] * first
        return factor * _sum_by(figures.nested.domain_of_cell, per_stratum, figures.n_domains)
    q = figures.pair_totals.shape[1]
    whole_by_psu = np.zeros((design.n_psus, q))
    whole_by_psu[whole.pair_psu] = whole.pair_totals
    stratum = design.stratum_of_psu[figures.pair_psu]
    cell_id = figures.pair_domain * n_strata + stratum
    if len(cell_id) and np.all(cell_id[1:] >= cell_id[:-1]):
        starts = np.r_[0, np.flatnonzero(np.diff(cell_id)) + 1]
        cell_keys = cell_id[starts]

        def by_cell(values):
            return np.add.reduceat(values, starts, axis=0)
    else:
        cell_keys, cell_of_pair = np.unique(cell_id, return_inverse=True)

        def by_cell(values):
            return _sum_by(cell_of_pair, values, len(cell_keys))

    cell_domain = cell_keys // n_strata
    cell_stratum = cell_keys % n_strata
    whole_stratum = _sum_by(design.stratum_of_psu, whole_by_psu, n_strata)
    # A cell lies in one stratum, so scale_h multiplies the cell sums, not every pair.
    within = by_cell(figures.pair_totals * whole_by_psu[figures.pair_psu]) * scale[cell_stratum][:, None]
    between = by_cell(figures.pair_totals) * centring[cell_stratum][:, None] * whole_stratum[cell_stratum]
    return factor * _sum_by(cell_domain, within - between, figures.n_domains)


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


# Tall, thin products (a million rows × a few dozen columns) and thousands of small ones: BLAS
# threads only contend for memory and cores there (measured 3× slower with 2 threads on 2 cores).
@threadpool_limits.wrap(limits=1, user_api="blas")
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

    cells = _cells_for(design, codes)
    if cells is not None:
        return _estimate_by_cells(design, y, x, cells, n_domains, combinations)

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
        n_domains=n_domains,
        pairs=(pair_domain, pair_psu, score_pairs),
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
    return _cell_variances(design, cell_keys, first, second, n_domains, scale, centred, factor)


def _cell_variances(design: Design, cell_keys, first, second, n_domains, scale, centred, factor):
    """From Σt and Σt² of every (domain, stratum) cell to each domain's variance."""
    cell_domain = cell_keys // design.n_strata
    cell_stratum = cell_keys % design.n_strata
    centring = np.where(centred[cell_stratum], 1.0 / design.psus_per_stratum[cell_stratum], 0.0)
    spread = second - centring[:, None] * first**2
    cells = scale[cell_stratum][:, None] * spread
    variances = _sum_by(cell_domain, cells, n_domains)
    return _domain_factors(design, cell_domain, cell_stratum, n_domains, factor)[:, None] * variances


def _domain_factors(design: Design, cell_domain, cell_stratum, n_domains: int, factor: float) -> np.ndarray:
    """Each domain's multiplier of its summed cell variances."""
    lonely = design.lonely_strata
    if design.lonely_psu != "average" or not lonely.any():
        return np.full(n_domains, factor)
    # "average" for a domain, as svyby reports it: R estimates the domain on its subset, whose
    # variance sums over the strata where the domain has rows only, scaled by (those strata) /
    # (those strata that are not lonely). The whole population reaches every stratum, so its factor
    # is the design's. (A calibrated design's subset keeps every row: ``_calibrated_pairs`` gives
    # every domain every PSU, hence every stratum, as in R.) Covariances between domains
    # (``Figures.covariance``) keep the design's factor, as ``svyby(covmat=TRUE)`` does.
    reached = np.bincount(cell_domain, minlength=n_domains).astype(float)
    lonely_reached = np.bincount(cell_domain, weights=lonely[cell_stratum], minlength=n_domains)
    with_variance = reached - lonely_reached
    return np.where(with_variance > 0, reached / np.where(with_variance > 0, with_variance, 1.0), 0.0)


def _nested_domains(design: Design, codes: np.ndarray) -> np.ndarray | None:
    """The domain of every stratum when each stratum lies wholly in one domain (units as strata,
    and the unit types or the whole population above them), else None."""
    if design.n == 0:
        return None
    domain_of_stratum = np.full(design.n_strata, -1, dtype=np.int64)
    domain_of_stratum[design.stratum_of_row] = codes
    if not np.array_equal(domain_of_stratum[design.stratum_of_row], codes):
        return None
    return domain_of_stratum


@dataclass(eq=False)
class _PsuTotals:
    """Weighted PSU totals of some columns and, per stratum, their weighted and unweighted sums and
    (asked for lazily) non-zero counts: what every set of nested domains needs, once per column set."""

    design: Design
    values: np.ndarray
    weighted: np.ndarray  # (n_psus, k), PSUs in stratum order
    stratum_weighted: np.ndarray  # (n_strata, k)
    stratum_sums: np.ndarray  # (n_strata, k), unweighted
    _nonzero: np.ndarray | None = None
    _flags: np.ndarray | None = None

    @property
    def flags(self) -> np.ndarray:
        """``(n, k)`` float32: the row's value is not zero."""
        if self._flags is None:
            self._flags = (self.values != 0).astype(np.float32)
        return self._flags

    @property
    def stratum_nonzero(self) -> np.ndarray:
        """Rows with a non-zero value, per stratum and column."""
        if self._nonzero is None:
            self._nonzero = np.rint(_by_stratum(self.design, self.flags)).astype(np.int64)
        return self._nonzero


def _stratum_starts(design: Design) -> np.ndarray:
    # PSUs are numbered stratum by stratum (``Design.build``), and every stratum has a PSU.
    return np.r_[0, np.cumsum(design.psus_per_stratum)[:-1]].astype(np.int64)


def _rows_in_psu_order(design: Design) -> bool:
    key = ("rows-in-psu-order",)
    if key not in design.cache:
        design.cache[key] = bool(
            design.n_psus == design.n and np.array_equal(design.psu_of_row, np.arange(design.n))
        )
    return design.cache[key]


def _stratum_matrix(design: Design) -> sparse.csr_matrix:
    """Strata × rows, ones: column sums per stratum in one sparse product."""
    key = ("stratum-matrix",)
    if key not in design.cache:
        design.cache[key] = sparse.csr_matrix(
            (np.ones(design.n), (design.stratum_of_row, np.arange(design.n))),
            shape=(design.n_strata, design.n),
        )
    return design.cache[key]


def _by_stratum(design: Design, values: np.ndarray) -> np.ndarray:
    """Column sums of row values per stratum: contiguous runs when the rows are in stratum order."""
    if _rows_in_psu_order(design):
        return np.add.reduceat(values, _stratum_starts(design), axis=0)
    return np.asarray(_stratum_matrix(design) @ values, dtype=float)


def _psu_totals(design: Design, values: np.ndarray) -> _PsuTotals:
    # Keyed by the array itself (the entry holds it, so the id cannot be recycled): the numerators
    # and denominators of a run's figures are the same arrays for every set of domains.
    key = ("psu-totals", id(values))
    cached = design.cache.get(key)
    if cached is not None and cached[0] is values:
        return cached[1]
    starts = _stratum_starts(design)
    if _rows_in_psu_order(design):
        # Every row its own PSU, rows sorted by stratum (what the platform's runs do): no gather.
        weighted = values * design.weights[:, None]
        sums = np.add.reduceat(values, starts, axis=0)
    elif design.n_psus == design.n:
        # Every row its own PSU: one gather into PSU order.
        row_of_psu = np.empty(design.n, dtype=np.int64)
        row_of_psu[design.psu_of_row] = np.arange(design.n)
        in_order = values[row_of_psu]
        weighted = in_order * design.weights[row_of_psu][:, None]
        sums = np.add.reduceat(in_order, starts, axis=0)
    else:
        to_psus = sparse.csr_matrix(
            (design.weights, (design.psu_of_row, np.arange(design.n))), shape=(design.n_psus, design.n)
        )
        weighted = to_psus @ values
        sums = _by_stratum(design, values)
    totals = _PsuTotals(
        design=design,
        values=values,
        weighted=weighted,
        stratum_weighted=np.add.reduceat(weighted, starts, axis=0),
        stratum_sums=sums,
    )
    design.cache[key] = (values, totals)
    return totals


# Above this many cells the per-cell cross-product matrices cost more than they save.
GRAM_MAX_CELLS = 50_000


@dataclass(frozen=True, eq=False)
class _Moments:
    """Per stratum ``h``, moments of the weighted PSU totals ``z_p = [Y_p | X_p]``: the sums
    ``Σ_p z_p`` and either the cross-product matrix ``G_h = Σ_p z_p z_pᵀ`` (``gram``: what linear
    combinations of ratios need) or, for plain ratios, only ``Σ Y_j²``, ``Σ Y_j X_j`` and ``Σ X_j²``.

    A figure's PSU score is linear in ``z_p`` — ``t_p = bᵀ z_p``, with ``b`` its coefficients in its
    domain — so a stratum's ``Σ_p t_p = bᵀ s_h`` and ``Σ_p t_p t'_p = bᵀ G_h b'``: every set of
    domains made of whole strata gets its variances and covariances from the same moments, in
    ``O(strata)``, without a pass over the rows."""

    sums: np.ndarray  # (H, c)
    gram: np.ndarray | None  # (H, c, c)
    yy: np.ndarray | None  # (H, k)
    xy: np.ndarray | None
    xx: np.ndarray | None

    def first(self, coefficients) -> np.ndarray:
        """``Σ_p t_p`` per stratum and figure: ``coefficients`` ``(H, q, c)`` (gram) or a pair
        ``(cy, cx)`` of ``(H, q)`` (plain ratios; ``cx`` None for totals)."""
        if self.gram is not None:
            return np.einsum("hqc,hc->hq", coefficients, self.sums)
        cy, cx = coefficients
        k = cy.shape[1]
        out = cy * self.sums[:, :k]
        if cx is not None:
            out += cx * self.sums[:, k:]
        return out

    def inner(self, a, b) -> np.ndarray:
        """``Σ_p t_p t'_p`` per stratum and figure, for the coefficients ``a`` and ``b``."""
        if self.gram is not None:
            return np.einsum("hqc,hcd,hqd->hq", a, self.gram, b, optimize=True)
        (ay, ax), (by, bx) = a, b
        out = ay * by * self.yy
        if ax is not None:
            out += (ay * bx + ax * by) * self.xy + ax * bx * self.xx
        return out


@dataclass(frozen=True, eq=False)
class _CellTotals:
    """Weighted totals of some columns in cell order (PSUs, or rows), and their per-cell sums."""

    weighted: np.ndarray  # (P, k)
    cell_weighted: np.ndarray  # (C, k)
    cell_sums: np.ndarray  # (C, k), unweighted
    cell_nonzero: Callable[[], np.ndarray]
    flags: Callable[[], np.ndarray]  # (n, k) float32 in the rows' own order


@dataclass(eq=False)
class _Cells:
    """A partition into (domain, stratum) cells, each inside one domain, and what the estimators
    read per cell. ``strata``: the strata themselves, for every set of domains made of whole strata
    (the totals are the PSU totals, shared by all such sets); ``cells``: the cells of one set of
    domains cutting across strata, in an unclustered design (each row its own PSU)."""

    design: Design
    kind: str
    cell_domain: np.ndarray  # (C,)
    cell_stratum: np.ndarray  # (C,)
    starts: np.ndarray  # first PSU (strata) or row (cells, in ``order``) of each cell
    order: np.ndarray | None = None  # ``cells``: the rows of the domains, cell by cell
    cache: dict = field(default_factory=dict)

    @property
    def n_cells(self) -> int:
        return len(self.cell_domain)

    @property
    def pair_domain(self) -> np.ndarray:
        if self.kind == "strata":
            return self.cell_domain[self.design.stratum_of_psu]
        return np.repeat(self.cell_domain, np.diff(np.r_[self.starts, len(self.order)]))

    @property
    def pair_psu(self) -> np.ndarray:
        return np.arange(self.design.n_psus) if self.kind == "strata" else self.design.psu_of_row[self.order]

    def rows_per_cell(self) -> np.ndarray:
        if self.kind == "strata":
            return np.bincount(self.design.stratum_of_row, minlength=self.design.n_strata)
        return np.diff(np.r_[self.starts, len(self.order)])

    def per_cell(self, row_values: np.ndarray) -> np.ndarray:
        """Column sums of row values (in the rows' own order) per cell."""
        # Flags (uint8) are summed as integers.
        dtype = np.int64 if row_values.dtype == np.uint8 else None
        if self.kind == "strata":
            if _rows_in_psu_order(self.design):
                return np.add.reduceat(row_values, _stratum_starts(self.design), axis=0, dtype=dtype)
            return _sum_by(self.design.stratum_of_row, row_values, self.design.n_strata)
        return np.add.reduceat(row_values[self.order], self.starts, axis=0, dtype=dtype)

    def totals(self, values: np.ndarray) -> _CellTotals:
        if self.kind == "strata":
            psu = _psu_totals(self.design, values)
            return _CellTotals(
                psu.weighted,
                psu.stratum_weighted,
                psu.stratum_sums,
                lambda: psu.stratum_nonzero,
                lambda: psu.flags,
            )
        key = ("totals", id(values))
        cached = self.cache.get(key)
        if cached is not None and cached[0] is values:
            return cached[1]
        rows = values[self.order]
        weighted = rows * self.design.weights[self.order][:, None]
        flags: dict = {}

        def row_flags():
            if "flags" not in flags:
                flags["flags"] = (values != 0).astype(np.float32)
            return flags["flags"]

        totals = _CellTotals(
            weighted=weighted,
            cell_weighted=np.add.reduceat(weighted, self.starts, axis=0),
            cell_sums=np.add.reduceat(rows, self.starts, axis=0),
            cell_nonzero=lambda: np.rint(self.per_cell(row_flags())).astype(np.int64),
            flags=row_flags,
        )
        self.cache[key] = (values, totals)
        return totals

    def moments(self, y: np.ndarray, x: np.ndarray | None, gram: bool) -> _Moments:
        store = self.design.cache if self.kind == "strata" else self.cache
        key = ("moments", id(y), id(x), gram)
        cached = store.get(key)
        if cached is not None and cached[0] is y and cached[1] is x:
            return cached[2]
        totals_y = self.totals(y)
        totals_x = None if x is None else self.totals(x)
        ty = totals_y.weighted
        tx = None if totals_x is None else totals_x.weighted
        sums = (
            totals_y.cell_weighted
            if totals_x is None
            else np.hstack([totals_y.cell_weighted, totals_x.cell_weighted])
        )
        starts = self.starts
        if gram:
            ends = np.r_[starts[1:], len(ty)]
            width = sums.shape[1]
            matrices = np.empty((self.n_cells, width, width))
            for c, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
                block = ty[start:end] if tx is None else np.hstack([ty[start:end], tx[start:end]])
                matrices[c] = block.T @ block
            moments = _Moments(sums=sums, gram=matrices, yy=None, xy=None, xx=None)
        else:
            moments = _Moments(
                sums=sums,
                gram=None,
                yy=np.add.reduceat(ty * ty, starts, axis=0),
                xy=None if tx is None else np.add.reduceat(ty * tx, starts, axis=0),
                xx=None if tx is None else np.add.reduceat(tx * tx, starts, axis=0),
            )
        store[key] = (y, x, moments)
        return moments


@dataclass(frozen=True, eq=False)
class _DomainMoments:
    """Per domain, ``M_d = Σ_cells scale_h (G_cell − centring_h s_cell s_cellᵀ)`` — so that a figure's
    variance is ``factor_d · b_dᵀ M_d b_d`` — and the diagonal of ``Σ scale_h G_cell`` (the scale of
    the rounding error). With a gram ``(D, c, c)``; for plain ratios only the ``YY``, ``YX``, ``XX``
    diagonals ``(D, k)``."""

    matrix: np.ndarray | None
    yy: np.ndarray | None
    xy: np.ndarray | None
    xx: np.ndarray | None
    positive: np.ndarray  # (D, c)

    def variance(self, coefficients) -> np.ndarray:
        if self.matrix is not None:
            value = np.einsum("dmc,dce,dme->dm", coefficients, self.matrix, coefficients, optimize=True)
            root = np.sqrt(np.maximum(self.positive, 0.0))
            bound = np.einsum("dmc,dc->dm", np.abs(coefficients), root) ** 2
            width = self.matrix.shape[1]
        else:
            cy, cx = coefficients
            k = cy.shape[1]
            value = cy * cy * self.yy
            bound = np.abs(cy) * np.sqrt(np.maximum(self.positive[:, :k], 0.0))
            if cx is not None:
                value = value + 2 * cy * cx * self.xy + cx * cx * self.xx
                bound = bound + np.abs(cx) * np.sqrt(np.maximum(self.positive[:, k:], 0.0))
            bound = bound**2
            width = self.positive.shape[1]
        # b'Mb from expanded quadratic forms loses ~ε·bound to rounding: a domain whose scores are
        # all equal (every answer satisfied, say) must give 0, as the direct sum does.
        return np.where(np.abs(value) <= 8 * width * np.finfo(float).eps * bound, 0.0, value)


def _weights_of_cells(design: Design, cells: _Cells):
    scale, centred, _factor = design.stratum_scale()
    h = cells.cell_stratum
    return scale[h], scale[h] * np.where(centred[h], 1.0 / design.psus_per_stratum[h], 0.0)


def _strata_to_domains(design: Design, cells: _Cells, moments: _Moments, n_domains: int) -> _DomainMoments:
    """Add up per-stratum moments into the domains of one set (domains made of whole strata)."""
    scale, centring = _weights_of_cells(design, cells)
    d = cells.cell_domain
    s = moments.sums
    if moments.gram is not None:
        per = moments.gram * scale[:, None, None] - centring[:, None, None] * (s[:, :, None] * s[:, None, :])
        if n_domains == len(d) and np.array_equal(d, np.arange(n_domains)):
            matrix = per  # every stratum its own domain (units as strata)
        else:
            matrix = np.zeros((n_domains, *per.shape[1:]))
            np.add.at(matrix, d, per)
        diagonal = np.einsum("hcc->hc", moments.gram) * scale[:, None]
        return _DomainMoments(matrix, None, None, None, _sum_by(d, diagonal, n_domains))
    k = moments.yy.shape[1]
    sy = s[:, :k]
    yy = _sum_by(d, scale[:, None] * moments.yy - centring[:, None] * sy * sy, n_domains)
    positive = [scale[:, None] * moments.yy]
    xy = xx = None
    if moments.xy is not None:
        sx = s[:, k:]
        xy = _sum_by(d, scale[:, None] * moments.xy - centring[:, None] * sy * sx, n_domains)
        xx = _sum_by(d, scale[:, None] * moments.xx - centring[:, None] * sx * sx, n_domains)
        positive.append(scale[:, None] * moments.xx)
    return _DomainMoments(None, yy, xy, xx, _sum_by(d, np.hstack(positive), n_domains))


def _cells_to_domains(
    design: Design, cells: _Cells, ty: _CellTotals, tx: _CellTotals | None, gram: bool, n_domains: int
) -> _DomainMoments:
    """Domain moments straight from the rows of a cut across strata, cell by cell (no per-cell
    matrices kept: there are domains × strata cells)."""
    scale, centring = _weights_of_cells(design, cells)
    d = cells.cell_domain
    y = ty.weighted
    x = None if tx is None else tx.weighted
    s = ty.cell_weighted if tx is None else np.hstack([ty.cell_weighted, tx.cell_weighted])
    if gram:
        width = s.shape[1]
        matrix = np.zeros((n_domains, width, width))
        positive = np.zeros((n_domains, width))
        starts = cells.starts
        ends = np.r_[starts[1:], len(y)]
        for c, (start, end) in enumerate(zip(starts.tolist(), ends.tolist(), strict=True)):
            block = y[start:end] if x is None else np.hstack([y[start:end], x[start:end]])
            product = block.T @ block
            matrix[d[c]] += scale[c] * product - centring[c] * np.outer(s[c], s[c])
            positive[d[c]] += scale[c] * np.diagonal(product)
        return _DomainMoments(matrix, None, None, None, positive)
    k = y.shape[1]
    sy = s[:, :k]
    squares = np.add.reduceat(y * y, cells.starts, axis=0)
    yy = _sum_by(d, scale[:, None] * squares - centring[:, None] * sy * sy, n_domains)
    positive = [scale[:, None] * squares]
    xy = xx = None
    if x is not None:
        sx = s[:, k:]
        cross = np.add.reduceat(y * x, cells.starts, axis=0)
        squares_x = np.add.reduceat(x * x, cells.starts, axis=0)
        xy = _sum_by(d, scale[:, None] * cross - centring[:, None] * sy * sx, n_domains)
        xx = _sum_by(d, scale[:, None] * squares_x - centring[:, None] * sx * sx, n_domains)
        positive.append(scale[:, None] * squares_x)
    return _DomainMoments(None, yy, xy, xx, _sum_by(d, np.hstack(positive), n_domains))


def _rows_with_any(design: Design, x: np.ndarray, tx: _CellTotals, any_used: np.ndarray) -> np.ndarray:
    """``(n, m)`` uint8: the row has a non-zero denominator in a column combination ``m`` uses —
    the same for every set of domains of a run, so computed once (the entry holds ``x``)."""
    key = ("rows-with-any", id(x), any_used.shape, any_used.tobytes())
    cached = design.cache.get(key)
    if cached is not None and cached[0] is x:
        return cached[1]
    has = ((tx.flags() @ any_used.T.astype(np.float32)) > 0).view(np.uint8)
    design.cache[key] = (x, has)
    return has


def _strata_cells(design: Design, domain_of_stratum: np.ndarray) -> _Cells:
    return _Cells(
        design=design,
        kind="strata",
        cell_domain=domain_of_stratum,
        cell_stratum=np.arange(design.n_strata),
        starts=_stratum_starts(design),
    )


def _domain_cells(design: Design, codes: np.ndarray) -> _Cells | None:
    """The (domain, stratum) cells of a set of domains in an unclustered design (cached on it)."""
    if design.n_psus != design.n or design.calibrations:
        return None
    digest = hashlib.blake2b(codes.tobytes(), digest_size=16).hexdigest()
    key = ("cells", digest, len(codes))
    cached = design.cache.get(key)
    if cached is not None:
        return cached
    inside = np.flatnonzero(codes >= 0)
    if len(inside) == 0:
        return None
    cell_key = codes[inside] * design.n_strata + design.stratum_of_row[inside]
    sort = np.argsort(cell_key, kind="stable")
    sorted_key = cell_key[sort]
    starts = np.r_[0, np.flatnonzero(np.diff(sorted_key)) + 1]
    keys = sorted_key[starts]
    cells = _Cells(
        design=design,
        kind="cells",
        cell_domain=keys // design.n_strata,
        cell_stratum=keys % design.n_strata,
        starts=starts,
        order=inside[sort],
    )
    design.cache[key] = cells
    return cells


def _cells_for(design: Design, codes: np.ndarray) -> _Cells | None:
    if design.calibrations:
        return None
    if (codes >= 0).all():
        nested = _nested_domains(design, codes)
        if nested is not None:
            return _strata_cells(design, nested)
    return _domain_cells(design, codes)


@dataclass(eq=False)
class _Nested:
    """How a set of figures reads the moments of its cells: each figure's coefficients ``b`` per
    domain — ``(D, q, c)`` with a gram, else ``(cy, cx)`` of ``(D, q)``."""

    moments: _Moments
    cells: _Cells
    coefficients: object

    @property
    def domain_of_cell(self) -> np.ndarray:
        return self.cells.cell_domain

    def by_cell(self):
        d = self.cells.cell_domain
        if self.moments.gram is not None:
            return self.coefficients[d]
        cy, cx = self.coefficients
        return cy[d], (None if cx is None else cx[d])

    def column(self, quantity: int):
        """The coefficients of one figure, per cell, shaped as ``by_cell`` with q = 1."""
        d = self.cells.cell_domain
        if self.moments.gram is not None:
            return self.coefficients[d][:, [quantity], :]
        cy, cx = self.coefficients
        return cy[d][:, [quantity]], (None if cx is None else cx[d][:, [quantity]])


def _shared_moments(a: Figures, b: Figures) -> _Moments | None:
    """The moments two sets of figures share — only per stratum: cells of a cut across strata hold
    one domain each, so the covariance between two of them needs the pairs."""
    if a.nested is None or b.nested is None or a.nested.moments is not b.nested.moments:
        return None
    if a.nested.cells.kind != "strata":
        return None
    return a.nested.moments


def _nested_pair(a: Figures, qa: int, b: Figures, qb: int):
    """``(Σ t t', Σ t, Σ t')`` per stratum for figure ``qa`` of ``a`` and ``qb`` of ``b``, when
    both read the same moments (plain ratios: only the same column), else None."""
    moments = _shared_moments(a, b)
    if moments is None or (moments.gram is None and qa != qb):
        return None
    ca, cb = a.nested.column(qa), b.nested.column(qb)
    if moments.gram is not None:
        return moments.inner(ca, cb)[:, 0], moments.first(ca)[:, 0], moments.first(cb)[:, 0]
    # Plain ratios: figure j reads column j of the moments only.
    column = _Moments(
        sums=moments.sums[:, [qa]]
        if ca[1] is None
        else np.column_stack([moments.sums[:, qa], moments.sums[:, moments.yy.shape[1] + qa]]),
        gram=None,
        yy=moments.yy[:, [qa]],
        xy=None if moments.xy is None else moments.xy[:, [qa]],
        xx=None if moments.xx is None else moments.xx[:, [qa]],
    )
    return column.inner(ca, cb)[:, 0], column.first(ca)[:, 0], column.first(cb)[:, 0]


def _estimate_by_cells(design: Design, y, x, cells: _Cells, n_domains: int, combinations) -> Figures:
    """``estimate_ratios`` from (domain, stratum) cells: the estimates from per-cell totals, the
    variances from per-cell moments (``_Moments``) — no pass over the rows per set of domains, and
    for domains made of whole strata (units, unit types, the whole population) the same moments
    serve every set."""
    k = y.shape[1]
    n_strata = design.n_strata
    ty = cells.totals(y)

    def to_domains(per_cell: np.ndarray) -> np.ndarray:
        return _sum_by(cells.cell_domain, per_cell, n_domains)

    domain_y = to_domains(ty.cell_weighted)
    unweighted_y = to_domains(ty.cell_sums)
    rows_per_domain = np.bincount(
        cells.cell_domain, weights=cells.rows_per_cell(), minlength=n_domains
    ).astype(np.int64)
    tx = None
    if x is None:
        ratio, unweighted = domain_y, unweighted_y
        n_rows = np.repeat(rows_per_domain[:, None], k, axis=1)
        scaled = np.ones((n_domains, k))
        r0 = np.zeros((n_domains, k))
    else:
        tx = cells.totals(x)
        domain_x = to_domains(tx.cell_weighted)
        unweighted_x = to_domains(tx.cell_sums)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(domain_x != 0, domain_y / domain_x, np.nan)
            unweighted = np.where(unweighted_x != 0, unweighted_y / unweighted_x, np.nan)
            scaled = 1.0 / np.where(domain_x != 0, domain_x, np.inf)
        r0 = np.nan_to_num(ratio)
        n_rows = to_domains(tx.cell_nonzero()).astype(np.int64)

    estimate = ratio
    coefficients = None
    if combinations is not None:
        coefficients = np.asarray(combinations, dtype=float)
        if coefficients.ndim == 2:
            coefficients = np.broadcast_to(coefficients, (n_domains, *coefficients.shape))
        if coefficients.shape[0] != n_domains or coefficients.shape[2] != k:
            raise DesignError("combinations must be (m, k) or (D, m, k).")
        used = coefficients != 0
        undefined = (used & np.isnan(ratio)[:, None, :]).any(axis=2)
        estimate = np.where(undefined, np.nan, np.einsum("dmk,dk->dm", coefficients, np.nan_to_num(ratio)))
        unweighted = np.where(
            undefined, np.nan, np.einsum("dmk,dk->dm", coefficients, np.nan_to_num(unweighted))
        )
        if tx is None:
            n_rows = np.repeat(rows_per_domain[:, None], coefficients.shape[1], axis=1)
        else:
            has = cells.per_cell(_rows_with_any(design, x, tx, used.any(axis=0)))
            n_rows = np.rint(to_domains(has)).astype(np.int64)

    def build_pairs():
        # The scores of every (domain, PSU) pair, for covariances the moments cannot give.
        pair_domain = cells.pair_domain
        scores = ty.weighted if tx is None else (ty.weighted - r0[pair_domain] * tx.weighted)
        scores = scores * scaled[pair_domain]
        if coefficients is not None:
            scores = _combine_nested(scores, pair_domain, coefficients)
        return pair_domain, cells.pair_psu, scores

    # The score of ratio j in domain d is (Y_j − R_dj X_j) / X_dj: coefficients 1/X_dj on Y_j and
    # −R_dj/X_dj on X_j; a combination's are the same, times its coefficients.
    cy = scaled
    cx = None if tx is None else -r0 * scaled
    gram = coefficients is not None
    if gram and cells.n_cells > GRAM_MAX_CELLS:
        variance = None
    else:
        if gram:
            b = coefficients * cy[:, None, :]
            if cx is not None:
                b = np.concatenate([b, coefficients * cx[:, None, :]], axis=2)
            figure_coefficients = b
        else:
            figure_coefficients = (cy, cx)
        if cells.kind == "strata":
            moments = cells.moments(y, x, gram=gram)
            nested = _Nested(moments, cells, figure_coefficients)
            domain_moments = _strata_to_domains(design, cells, moments, n_domains)
        else:
            nested = None
            domain_moments = _cells_to_domains(design, cells, ty, tx, gram, n_domains)
        factors = _domain_factors(
            design, cells.cell_domain, cells.cell_stratum, n_domains, design.stratum_scale()[2]
        )
        variance = factors[:, None] * domain_moments.variance(figure_coefficients)
        pairs = None
    if variance is None:
        nested = None
        pairs = build_pairs()
        scale, centred, factor = design.stratum_scale()
        cell_keys = cells.cell_domain * n_strata + cells.cell_stratum
        first = np.add.reduceat(pairs[2], cells.starts, axis=0)
        second = np.add.reduceat(pairs[2] ** 2, cells.starts, axis=0)
        variance = _cell_variances(design, cell_keys, first, second, n_domains, scale, centred, factor)
    se = np.where(np.isnan(estimate), np.nan, np.sqrt(np.maximum(variance, 0.0)))
    return Figures(
        design=design,
        estimate=estimate,
        se=se,
        n=n_rows,
        unweighted=unweighted,
        n_domains=n_domains,
        pairs=pairs,
        build_pairs=build_pairs,
        nested=nested,
    )


def _combine_nested(
    score_pairs: np.ndarray, domain_of_psu: np.ndarray, coefficients: np.ndarray
) -> np.ndarray:
    """``Σ_j a_dmj · t_pj`` for every PSU ``p`` of domain ``d`` (``_combine_by_domain`` for PSUs in
    stratum order): the most common coefficients for all, then the domains that differ."""
    n_domains, m, k = coefficients.shape
    flat = np.ascontiguousarray(coefficients).reshape(n_domains, m * k)
    present = np.unique(domain_of_psu)
    reference = flat[present[0]] if len(present) else flat[0]
    combined = score_pairs @ reference.reshape(m, k).T
    differs = present[(flat[present] != reference).any(axis=1)]
    if len(differs):
        # The PSUs of each domain that differs, from one sort (none when they are in domain order).
        in_order = bool(np.all(domain_of_psu[1:] >= domain_of_psu[:-1]))
        order = None if in_order else np.argsort(domain_of_psu, kind="stable")
        sorted_domains = domain_of_psu if in_order else domain_of_psu[order]
        starts = np.searchsorted(sorted_domains, differs, side="left")
        ends = np.searchsorted(sorted_domains, differs, side="right")
        for d, start, end in zip(differs.tolist(), starts.tolist(), ends.tolist(), strict=True):
            where = slice(start, end) if order is None else order[start:end]
            combined[where] = score_pairs[where] @ flat[d].reshape(m, k).T
    return combined


def domain_totals(design: Design, values: np.ndarray, codes: np.ndarray, n_domains: int) -> np.ndarray:
    """``(D, k)`` weighted totals ``Σ w·v`` of every domain (codes ``0…D−1``, −1 in none); from the
    cached cell totals where there are cells."""
    cells = _cells_for(design, codes)
    if cells is not None:
        return _sum_by(cells.cell_domain, cells.totals(values).cell_weighted, n_domains)
    inside = codes >= 0
    out = np.zeros((n_domains, values.shape[1]))
    for j in range(values.shape[1]):
        out[:, j] = np.bincount(
            codes[inside], weights=(design.weights * values[:, j])[inside], minlength=n_domains
        )
    return out


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
