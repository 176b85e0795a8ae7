"""A sampling design and the Taylor-linearisation variance of linearised scores.

Notation (Wolter 2007, ch. 6; Lumley 2010, ch. 2 — the formulas of R's ``survey`` package):

- rows ``i`` with weights ``w_i``, strata ``h`` and primary sampling units (PSUs) ``p`` nested in
  strata (a PSU label need only be unique within its stratum, as with ``svydesign(nest=TRUE)``);
  without clusters every row is its own PSU; without strata there is one stratum;
- ``n_h`` PSUs sampled in stratum ``h``, ``N_h`` in its population (``fpc``), ``f_h = (N_h − n_h)/N_h``
  (1 without ``fpc``);
- for a linearised score ``u_i`` (already multiplied by the weight) with PSU totals ``t_p``, the
  with-replacement estimator of the variance of ``Σ u_i`` is::

      V = Σ_h f_h · n_h/(n_h − 1) · Σ_{p∈h} (t_p − t̄_h)²

- a stratum with one PSU (a *lonely PSU*) has no within-stratum variance; ``lonely_psu`` says what
  to do, as R's ``options(survey.lonely.psu=)``: ``fail`` (an error naming the stratum), ``remove``
  and ``certainty`` (the stratum adds nothing), ``adjust`` (its PSU is centred on the population
  mean, zero for linearised scores, rather than on its own), ``average`` (the variance is scaled up
  by strata / strata-with-variance; for a domain's own variance, as ``svyby`` computes it on the
  domain's subset, counting only the strata where the domain has rows — ``estimation.py``).
  A stratum whose PSUs are its whole population (``f_h = 0``) adds nothing and is not lonely.

Calibrated designs (``calibration.py``) replace ``u`` by its residual from the calibration before
the PSU totals are taken, as ``svyrecvar`` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

LONELY_PSU_RULES = ("fail", "remove", "certainty", "adjust", "average")


class DesignError(ValueError):
    """The design cannot be built or used as asked."""


class LonelyPSUError(DesignError):
    def __init__(self, stratum):
        self.stratum = stratum
        super().__init__(f"Stratum ({stratum}) has only one PSU; choose lonely_psu='remove', 'adjust', …")


def encode(labels, n: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, levels)``: integer codes 0…L−1 for any array of labels (sorted levels)."""
    values = np.asarray(labels)
    if values.ndim != 1:
        raise DesignError("A design column must be one-dimensional.")
    if n is not None and len(values) != n:
        raise DesignError(f"A design column has {len(values)} rows, the data {n}.")
    levels, codes = np.unique(values, return_inverse=True)
    return codes.astype(np.int64), levels


@dataclass(frozen=True)
class Calibration:
    """One calibration step, kept so variances use the residuals (see ``calibration.py``).

    ``kind`` is ``post`` (post-stratification on ``groups``) or ``rake`` (a list of margins, each
    ``(groups, weights_after_that_margin)``)."""

    kind: str
    groups: np.ndarray | None = None
    old_weights: np.ndarray | None = None
    new_weights: np.ndarray | None = None
    margins: tuple = ()


@dataclass(frozen=True, eq=False)
class Design:
    weights: np.ndarray
    stratum_of_row: np.ndarray
    psu_of_row: np.ndarray
    stratum_of_psu: np.ndarray
    psus_per_stratum: np.ndarray  # n_h
    finite_correction: np.ndarray  # f_h
    stratum_labels: np.ndarray
    lonely_psu: str = "fail"
    calibrations: tuple[Calibration, ...] = field(default=())
    # Row groupings by domain, reused by every estimate on the same domains (estimation.py).
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    # -------------------------------------------------------------------------------------------
    @classmethod
    def build(
        cls,
        *,
        n: int | None = None,
        weights: Sequence[float] | np.ndarray | None = None,
        strata=None,
        clusters=None,
        fpc=None,
        lonely_psu: str = "fail",
    ) -> Design:
        """A design from per-row columns (any labels), as ``svydesign(ids, strata, weights, fpc, nest=TRUE)``.

        ``fpc`` per row is the number of PSUs in the stratum's population (constant in a stratum), or,
        when every value is ≤ 1, the sampling fraction. Without ``weights`` and with ``fpc`` the
        weights are ``N_h/n_h``; with neither, every weight is 1.
        """
        if lonely_psu not in LONELY_PSU_RULES:
            raise DesignError(f"lonely_psu must be one of {', '.join(LONELY_PSU_RULES)}.")
        for column in (weights, strata, clusters, fpc):
            if column is not None and n is None:
                n = len(column)
        if n is None:
            raise DesignError("A design needs at least one column, or n.")
        if strata is None:
            stratum_of_row = np.zeros(n, dtype=np.int64)
            stratum_labels = np.array([1])
        else:
            stratum_of_row, stratum_labels = encode(strata, n)
        if clusters is None:
            # Every row its own PSU, numbered stratum by stratum: PSU numbers always run in stratum
            # order, so (domain, PSU) pairs sorted by PSU are sorted by stratum too (estimation.py).
            by_stratum = np.argsort(stratum_of_row, kind="stable")
            psu_of_row = np.empty(n, dtype=np.int64)
            psu_of_row[by_stratum] = np.arange(n, dtype=np.int64)
            stratum_of_psu = stratum_of_row[by_stratum]
        else:
            cluster_codes, _ = encode(clusters, n)
            # Nested labels: a PSU is a (stratum, cluster) pair.
            key = stratum_of_row * (int(cluster_codes.max(initial=0)) + 1) + cluster_codes
            unique_keys, psu_of_row = np.unique(key, return_inverse=True)
            psu_of_row = psu_of_row.astype(np.int64)
            stratum_of_psu = np.empty(len(unique_keys), dtype=np.int64)
            stratum_of_psu[psu_of_row] = stratum_of_row
        n_strata = len(stratum_labels)
        psus_per_stratum = np.bincount(stratum_of_psu, minlength=n_strata)

        finite_correction = np.ones(n_strata)
        population = None
        if fpc is not None:
            fpc = np.asarray(fpc, dtype=float)
            if len(fpc) != n:
                raise DesignError(f"The fpc column has {len(fpc)} rows, the data {n}.")
            if np.any(~np.isfinite(fpc)) or np.any(fpc <= 0):
                raise DesignError("Every fpc value must be a positive number.")
            first = np.full(n_strata, np.nan)
            first[stratum_of_row[::-1]] = fpc[::-1]
            if np.any(np.abs(fpc - first[stratum_of_row]) > 1e-9 * np.abs(first[stratum_of_row])):
                raise DesignError("The fpc must be the same for every row of a stratum.")
            # Values ≤ 1 are sampling fractions (R's rule), larger ones population sizes.
            population = psus_per_stratum / first if np.all(fpc <= 1) else first
            if np.any(population < psus_per_stratum - 1e-9):
                raise DesignError("A stratum has more sampled PSUs than its population (fpc).")
            finite_correction = (population - psus_per_stratum) / population
        if weights is None:
            w = np.ones(n) if population is None else (population / psus_per_stratum)[stratum_of_row]
        else:
            w = np.asarray(weights, dtype=float)
            if len(w) != n:
                raise DesignError(f"The weights have {len(w)} rows, the data {n}.")
            if np.any(~np.isfinite(w)) or np.any(w < 0):
                raise DesignError("Every weight must be a finite number ≥ 0.")
        return cls(
            weights=w,
            stratum_of_row=stratum_of_row,
            psu_of_row=psu_of_row,
            stratum_of_psu=stratum_of_psu,
            psus_per_stratum=psus_per_stratum,
            finite_correction=finite_correction,
            stratum_labels=stratum_labels,
            lonely_psu=lonely_psu,
        )

    def reweighted(self, weights: np.ndarray, calibration: Calibration) -> Design:
        return Design(
            weights=weights,
            stratum_of_row=self.stratum_of_row,
            psu_of_row=self.psu_of_row,
            stratum_of_psu=self.stratum_of_psu,
            psus_per_stratum=self.psus_per_stratum,
            finite_correction=self.finite_correction,
            stratum_labels=self.stratum_labels,
            lonely_psu=self.lonely_psu,
            calibrations=(*self.calibrations, calibration),
        )

    # -------------------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return len(self.weights)

    @property
    def n_psus(self) -> int:
        return len(self.stratum_of_psu)

    @property
    def n_strata(self) -> int:
        return len(self.psus_per_stratum)

    @cached_property
    def degrees_of_freedom(self) -> int:
        """PSUs minus strata, counting only those with a non-zero weight (R's ``degf``)."""
        inset = (self.weights != 0).astype(float)
        psus = np.count_nonzero(np.bincount(self.psu_of_row, weights=inset, minlength=self.n_psus))
        strata = np.count_nonzero(np.bincount(self.stratum_of_row, weights=inset, minlength=self.n_strata))
        return int(psus - strata)

    @property
    def lonely_strata(self) -> np.ndarray:
        """Strata with a single sampled PSU that are not a census (R's ``onestrat`` returns 0 for
        ``f_h < 1e-7`` before it looks at ``lonely.psu``)."""
        return (self.psus_per_stratum == 1) & (self.finite_correction > 1e-7)

    def stratum_scale(self) -> tuple[np.ndarray, np.ndarray, float]:
        """``(scale_h, centred_h, factor)``: each stratum's multiplier of Σ(t − centre)², whether it is
        centred on its mean, and the overall factor (``average``). Raises for ``fail``."""
        n_h = self.psus_per_stratum.astype(float)
        f_h = self.finite_correction
        lonely = self.lonely_strata
        scale = np.where(n_h > 1, f_h * n_h / np.maximum(n_h - 1, 1), 0.0)
        centred = np.ones(len(n_h), dtype=bool)
        factor = 1.0
        if lonely.any():
            rule = self.lonely_psu
            if rule == "fail":
                raise LonelyPSUError(self.stratum_labels[np.flatnonzero(lonely)[0]])
            if rule == "adjust":
                scale = np.where(lonely, f_h, scale)
                centred = ~lonely
            elif rule == "average":
                factor = len(n_h) / (len(n_h) - lonely.sum()) if lonely.sum() < len(n_h) else 0.0
        scale = np.where(f_h < 1e-7, 0.0, scale)
        return scale, centred, factor

    # -------------------------------------------------------------------------------------------
    def residualise(self, scores: np.ndarray) -> np.ndarray:
        """Replace weighted scores by their residuals from every calibration (``svyrecvar``)."""
        x = np.array(scores, dtype=float, copy=True)
        if x.ndim == 1:
            x = x[:, None]
        for cal in self.calibrations:
            if cal.kind == "post":
                x = _post_residual(x, cal.groups, cal.old_weights, cal.new_weights)
            else:
                for _ in range(10):
                    for groups, psw in cal.margins:
                        x = x - psw[:, None] * _group_average(x / _safe(psw)[:, None], groups)
        return x

    def covariance(self, scores: np.ndarray) -> np.ndarray:
        """Covariance matrix (k × k) of the totals of weighted linearised scores ``scores`` (n × k)."""
        x = np.asarray(scores, dtype=float)
        if x.ndim == 1:
            x = x[:, None]
        if self.calibrations:
            x = self.residualise(x)
        return self.covariance_of_psu_totals(self.psu_totals(x))

    def psu_totals(self, x: np.ndarray) -> np.ndarray:
        totals = np.empty((self.n_psus, x.shape[1]))
        for j in range(x.shape[1]):
            totals[:, j] = np.bincount(self.psu_of_row, weights=x[:, j], minlength=self.n_psus)
        return totals

    def covariance_of_psu_totals(self, totals: np.ndarray) -> np.ndarray:
        scale, centred, factor = self.stratum_scale()
        h = self.stratum_of_psu
        sums = np.stack(
            [np.bincount(h, weights=totals[:, j], minlength=self.n_strata) for j in range(totals.shape[1])],
            axis=1,
        )
        means = sums / self.psus_per_stratum[:, None]
        deviations = totals - np.where(centred[h][:, None], means[h], 0.0)
        weighted = deviations * np.sqrt(scale[h])[:, None]
        return factor * (weighted.T @ weighted)


def _safe(weights: np.ndarray) -> np.ndarray:
    return np.where(weights == 0, 1.0, weights)


def _group_average(values: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """R's ``ave``: each row gets the unweighted mean of its group, column by column."""
    counts = np.bincount(groups)
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        out[:, j] = (np.bincount(groups, weights=values[:, j], minlength=len(counts)) / counts)[groups]
    return out


def _post_residual(x, groups, old_weights, new_weights):
    psw = _safe(np.where((new_weights == 0) & (old_weights == 0), 1.0, new_weights))
    n_groups = int(groups.max()) + 1
    denominator = np.bincount(groups, weights=old_weights, minlength=n_groups)
    out = np.empty_like(x)
    for j in range(x.shape[1]):
        means = np.bincount(groups, weights=x[:, j] * old_weights / psw, minlength=n_groups) / denominator
        out[:, j] = x[:, j] - means[groups] * psw
    return out
