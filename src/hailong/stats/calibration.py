"""Calibration of weights to known population totals: post-stratification and raking.

Post-stratification on groups ``g`` with known sizes ``N_g`` multiplies every weight of group ``g``
by ``N_g / N̂_g`` (``N̂_g`` the weighted count of the sample in ``g``): the weighted counts then equal
the population's. Raking does it margin by margin (e.g. unit, then procedure field, then applicant
type) and repeats until the weighted table of all margins changes by less than ``epsilon`` (at most
``max_iterations`` rounds) — R's ``rake`` with its defaults (``epsilon = 1``, ``maxit = 10``).

Variances of a calibrated design use the residuals of the linearised scores from the calibration
(R's ``svyrecvar``): for post-stratification ``u_i − w_i · ū_g`` with ``ū_g`` the mean of ``u/w``
over group ``g`` weighted by the weights before calibration; for raking ten rounds of that
centring, margin by margin, with unweighted group means — exactly as ``survey`` 4.x computes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from hailong.stats.design import Calibration, Design, DesignError, encode


def _group_codes(groups, population: Mapping, n: int, *, partial: bool):
    codes, levels = encode(groups, n)
    labels = [level.item() if hasattr(level, "item") else level for level in levels]
    totals = np.empty(len(levels))
    for index, label in enumerate(labels):
        key = label if label in population else str(label)
        if key not in population:
            raise DesignError(f"Post-stratum {label!r} is in the sample but has no population total.")
        totals[index] = float(population[key])
    sampled = {str(label) for label in labels}
    absent = [str(key) for key, value in population.items() if str(key) not in sampled and float(value) > 0]
    if absent and not partial:
        raise DesignError(
            f"Post-strata with a population total but no sample: {', '.join(sorted(absent)[:10])}"
            " (use partial=True to ignore them)."
        )
    return codes, totals


def poststratify(design: Design, groups: Sequence, population: Mapping, *, partial: bool = False) -> Design:
    """A design whose weights reproduce ``population`` (group label → size) on ``groups`` (per row)."""
    codes, totals = _group_codes(groups, population, design.n, partial=partial)
    old = design.weights
    sampled = np.bincount(codes, weights=old, minlength=len(totals))
    if np.any(sampled <= 0):
        raise DesignError("A post-stratum has no weight in the sample.")
    new = old * (totals / sampled)[codes]
    return design.reweighted(new, Calibration(kind="post", groups=codes, old_weights=old, new_weights=new))


def rake(
    design: Design,
    margins: Sequence[tuple[Sequence, Mapping]],
    *,
    epsilon: float = 1.0,
    max_iterations: int = 10,
) -> tuple[Design, bool]:
    """Rake the weights to every margin ``(groups per row, {label: population total})``.

    Returns the raked design and whether it converged (the largest change of a cell of the weighted
    cross-table of all margins below ``epsilon``; ``epsilon < 1`` is a fraction of the total weight).
    """
    if not margins:
        raise DesignError("Raking needs at least one margin.")
    coded = [_group_codes(groups, population, design.n, partial=False) for groups, population in margins]
    tolerance = epsilon * design.weights.sum() if epsilon < 1 else epsilon
    cross = np.zeros(design.n, dtype=np.int64)
    for codes, totals in coded:
        cross = cross * len(totals) + codes
    _, cells = np.unique(cross, return_inverse=True)

    weights = design.weights.copy()
    table = np.bincount(cells, weights=weights)
    steps: list[tuple[np.ndarray, np.ndarray]] = []
    converged = False
    for _ in range(max_iterations):
        steps = []
        for codes, totals in coded:
            sampled = np.bincount(codes, weights=weights, minlength=len(totals))
            if np.any(sampled <= 0):
                raise DesignError("A raking margin has a category with no weight in the sample.")
            weights = weights * (totals / sampled)[codes]
            steps.append((codes, weights.copy()))
        new_table = np.bincount(cells, weights=weights)
        if np.max(np.abs(table - new_table)) < tolerance:
            converged = True
            break
        table = new_table
    raked = design.reweighted(weights, Calibration(kind="rake", margins=tuple(steps)))
    return raked, converged
