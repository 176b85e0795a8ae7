"""Confidence intervals for design-based estimates.

- ``normal``: ``θ̂ ± z_{1−α/2} · se`` (R's ``confint`` on ``svystat`` objects);
- ``t``: ``θ̂ ± t_{df, 1−α/2} · se`` with the design's degrees of freedom, PSUs − strata
  (``confint(..., df = degf(design))``);
- for a proportion ``p̂`` near 0 or 1 (outside ``[logit_band, 1 − logit_band]``), or always with
  ``method="logit"``, the interval is made on the logit scale and transformed back, so it stays
  inside (0, 1) (``svyciprop(method = "logit")``)::

      expit( logit(p̂) ± q · se / (p̂ (1 − p̂)) )

  where ``q`` is the normal or t quantile. At exactly 0 or 1 the interval is that point.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as distributions

METHODS = ("normal", "t", "logit")
LOGIT_BAND = 0.1


def quantile(level: float, method: str = "normal", df: int | None = None) -> float:
    if not 0 < level < 1:
        raise ValueError("The confidence level must be between 0 and 1.")
    upper = 1 - (1 - level) / 2
    if method == "t":
        if df is None or df < 1:
            raise ValueError("A t interval needs at least one design degree of freedom.")
        return float(distributions.t.ppf(upper, df))
    return float(distributions.norm.ppf(upper))


def interval(
    estimate,
    se,
    *,
    level: float = 0.95,
    method: str = "normal",
    df: int | None = None,
    proportion: bool = False,
    logit_band: float = LOGIT_BAND,
):
    """``(low, high)`` arrays for estimates and standard errors of any shape.

    ``method`` is ``normal``, ``t`` or ``logit`` (a logit interval with the normal quantile). With
    ``proportion=True`` estimates outside ``[logit_band, 1 − logit_band]`` get the logit interval
    with the chosen quantile.
    """
    if method not in METHODS:
        raise ValueError(f"The interval method must be one of {', '.join(METHODS)}.")
    estimate = np.asarray(estimate, dtype=float)
    se = np.asarray(se, dtype=float)
    q = quantile(level, "t" if method == "t" else "normal", df)
    low = estimate - q * se
    high = estimate + q * se
    if method == "logit" or proportion:
        with np.errstate(divide="ignore", invalid="ignore"):
            inside = (estimate > 0) & (estimate < 1)
            use = inside & (
                np.ones_like(estimate, dtype=bool)
                if method == "logit"
                else ((estimate < logit_band) | (estimate > 1 - logit_band))
            )
            centre = np.log(estimate / (1 - estimate))
            half = q * se / (estimate * (1 - estimate))
            logit_low = 1 / (1 + np.exp(-(centre - half)))
            logit_high = 1 / (1 + np.exp(-(centre + half)))
        low = np.where(use, logit_low, low)
        high = np.where(use, logit_high, high)
        edge = (estimate == 0) | (estimate == 1)
        low = np.where(edge, estimate, low)
        high = np.where(edge, estimate, high)
    return low, high
