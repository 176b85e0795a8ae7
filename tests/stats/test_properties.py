"""Properties of design-based estimation that hold for any data (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hailong.stats import Design, competition_ranks, estimate_ratios, mean, ratio, total

SETTINGS = settings(max_examples=50, deadline=None)
CLOSE = 1e-9

weights_strategy = st.floats(0.5, 20.0, allow_nan=False, allow_infinity=False)


@st.composite
def samples(draw, *, lonely: bool = False):
    """A stratified cluster sample: columns and the per-stratum layout.

    Each stratum has 2–4 PSUs (1–4 with ``lonely``), each PSU 1–4 rows; weights 0.5–20; ``y`` a 0/1
    outcome, ``x`` a denominator in [0.5, 2] (never zero), ``z`` a numeric outcome, ``domain`` 0–2.
    """
    n_strata = draw(st.integers(1, 3))
    strata, clusters = [], []
    for h in range(n_strata):
        for p in range(draw(st.integers(1 if lonely else 2, 4))):
            rows = draw(st.integers(1, 4))
            strata += [f"s{h}"] * rows
            clusters += [p] * rows
    n = len(strata)
    column = lambda elements: np.array(draw(st.lists(elements, min_size=n, max_size=n)), dtype=float)  # noqa: E731
    return {
        "strata": np.array(strata),
        "clusters": np.array(clusters),
        "weights": column(weights_strategy),
        "y": column(st.integers(0, 1)),
        "x": column(st.floats(0.5, 2.0)),
        "z": column(st.floats(-50.0, 50.0)),
        "domain": column(st.integers(0, 2)).astype(np.int64),
    }


def design_of(sample, *, weights=None, lonely_psu: str = "fail") -> Design:
    return Design.build(
        weights=sample["weights"] if weights is None else weights,
        strata=sample["strata"],
        clusters=sample["clusters"],
        lonely_psu=lonely_psu,
    )


def approx(values):
    return pytest.approx(np.asarray(values), rel=CLOSE, abs=CLOSE, nan_ok=True)


# -------------------------------------------------------------------------------------------------
@SETTINGS
@given(samples(), st.floats(0.01, 1000.0))
def test_scaling_every_weight_leaves_ratios_and_means_unchanged_and_scales_totals(sample, c):
    design = design_of(sample)
    scaled = design_of(sample, weights=c * sample["weights"])
    for estimator in (
        lambda d: ratio(d, sample["y"], sample["x"], domains=sample["domain"], n_domains=3),
        lambda d: mean(d, sample["z"], domains=sample["domain"], n_domains=3),
    ):
        before, after = estimator(design), estimator(scaled)
        assert after.estimate == approx(before.estimate)
        assert after.se == approx(before.se)
    before = total(design, sample["z"], domains=sample["domain"], n_domains=3)
    after = total(scaled, sample["z"], domains=sample["domain"], n_domains=3)
    assert after.estimate == pytest.approx(
        c * before.estimate, rel=CLOSE, abs=CLOSE * c * 50 * len(sample["z"])
    )
    assert after.se == pytest.approx(c * before.se, rel=1e-7, abs=1e-7 * c * 50 * len(sample["z"]))


@SETTINGS
@given(st.lists(st.floats(-100.0, 100.0), min_size=2, max_size=40), st.floats(0.1, 10.0))
def test_simple_random_sample_mean_has_the_textbook_variance(values, weight):
    y = np.array(values)
    n = len(y)
    figures = mean(Design.build(weights=np.full(n, weight)), y)
    assert figures.estimate[0, 0] == pytest.approx(y.mean(), abs=1e-9)
    assert figures.se[0, 0] ** 2 == pytest.approx(y.var(ddof=1) / n, rel=1e-9, abs=1e-12)


@SETTINGS
@given(st.lists(st.floats(-100.0, 100.0), min_size=2, max_size=40), st.integers(0, 500))
def test_simple_random_sample_with_fpc_has_the_textbook_variance(values, extra):
    y = np.array(values)
    n = len(y)
    population = n + extra
    design = Design.build(fpc=np.full(n, float(population)))
    correction = 1 - n / population
    figures = mean(design, y)
    assert figures.se[0, 0] ** 2 == pytest.approx(correction * y.var(ddof=1) / n, rel=1e-9, abs=1e-12)
    # Without weights the weights are N/n, and the total's variance is N²(1 − n/N) s²/n.
    totals = total(design, y)
    assert totals.estimate[0, 0] == pytest.approx(population * y.mean(), rel=1e-9, abs=1e-7)
    expected = population**2 * correction * y.var(ddof=1) / n
    assert totals.se[0, 0] ** 2 == pytest.approx(expected, rel=1e-9, abs=1e-9 * population**2)


@SETTINGS
@given(samples())
def test_a_domain_ratio_equals_the_ratio_of_the_domain_rows_alone(sample):
    figures = ratio(design_of(sample), sample["y"], sample["x"], domains=sample["domain"], n_domains=3)
    for d in range(3):
        rows = sample["domain"] == d
        if not rows.any():
            assert np.isnan(figures.estimate[d, 0])
            continue
        subset = Design.build(weights=sample["weights"][rows], lonely_psu="remove")  # may be one row
        alone = ratio(subset, sample["y"][rows], sample["x"][rows])
        assert figures.estimate[d, 0] == pytest.approx(alone.estimate[0, 0], abs=CLOSE)


@SETTINGS
@given(samples(), st.lists(st.floats(-3.0, 3.0), min_size=3, max_size=3))
def test_a_combination_estimates_the_combination_with_the_variance_of_its_covariances(sample, a):
    design = design_of(sample)
    numerators = np.column_stack([sample["y"], sample["z"], sample["y"] * sample["z"]])
    denominators = np.column_stack([sample["x"], np.ones_like(sample["x"]), sample["x"]])
    ratios = estimate_ratios(design, numerators, denominators)
    combined = estimate_ratios(design, numerators, denominators, combinations=[a])
    a = np.array(a)
    assert combined.estimate[0, 0] == pytest.approx(ratios.estimate[0] @ a, rel=CLOSE, abs=CLOSE)
    covariance = np.array([[ratios.covariance(i, ratios, j)[0, 0] for j in range(3)] for i in range(3)])
    assert combined.se[0, 0] ** 2 == pytest.approx(a @ covariance @ a, rel=1e-8, abs=1e-10)


@SETTINGS
@given(samples(lonely=True), st.sampled_from(["remove", "certainty", "adjust", "average"]))
def test_variances_are_never_negative_whatever_the_lonely_psu_rule(sample, rule):
    design = design_of(sample, lonely_psu=rule)
    for figures in (
        ratio(design, sample["y"], sample["x"], domains=sample["domain"], n_domains=3),
        mean(design, sample["z"], domains=sample["domain"], n_domains=3),
        total(design, sample["z"]),
    ):
        present = ~np.isnan(figures.estimate)
        assert np.all(figures.se[present] >= 0)
        covariance = figures.covariance(0)
        valid = present[:, 0]
        eigenvalues = np.linalg.eigvalsh(covariance[np.ix_(valid, valid)])
        assert eigenvalues.min(initial=0) >= -1e-9 * max(1.0, eigenvalues.max(initial=0))


@SETTINGS
@given(samples(), st.randoms(use_true_random=False))
def test_permuting_the_rows_changes_nothing(sample, random):
    order = np.arange(len(sample["y"]))
    random.shuffle(order)
    permuted = {key: value[order] for key, value in sample.items()}
    for estimator in (
        lambda s: ratio(design_of(s), s["y"], s["x"], domains=s["domain"], n_domains=3),
        lambda s: mean(design_of(s), s["z"], domains=s["domain"], n_domains=3),
        lambda s: total(design_of(s), s["z"], domains=s["domain"], n_domains=3),
    ):
        before, after = estimator(sample), estimator(permuted)
        assert after.estimate == approx(before.estimate)
        assert after.se == pytest.approx(before.se, rel=1e-8, abs=1e-8, nan_ok=True)
        assert after.covariance(0) == pytest.approx(before.covariance(0), rel=1e-8, abs=1e-6)


# -------------------------------------------------------------------------------------------------
def test_competition_ranks_share_a_rank_on_ties_and_skip_the_next_1224():
    assert competition_ranks([0.91, 0.85, 0.85, 0.70]).tolist() == [1, 2, 2, 4]
    assert competition_ranks([0.70, 0.85, 0.91, 0.85], descending=False).tolist() == [1, 2, 4, 2]


@SETTINGS
@given(st.lists(st.integers(0, 5), min_size=1, max_size=30))
def test_competition_ranks_count_the_better_ones_for_any_ties(values):
    ranks = competition_ranks(np.array(values, dtype=float) / 10)
    for value, rank in zip(values, ranks, strict=True):
        assert rank == 1 + sum(other > value for other in values)
        tied = [r for v, r in zip(values, ranks, strict=True) if v == value]
        assert set(tied) == {rank}
    # After a rank shared by k units comes rank + k.
    distinct = sorted(set(ranks.tolist()))
    for this, following in zip(distinct, distinct[1:], strict=False):
        assert following == this + int(np.sum(ranks == this))


def test_competition_ranks_compare_published_figures_and_leave_nan_unranked():
    # 0.85004 and 0.84996 are both 85.00 % once rounded to two decimals of a percentage.
    assert competition_ranks([0.85004, 0.84996, np.nan, 0.9]).tolist() == [2, 2, 0, 1]
    assert competition_ranks([0.85004, 0.84996], decimals=None).tolist() == [1, 2]


@SETTINGS
@given(
    samples(lonely=True),
    st.sampled_from(["adjust", "average", "remove", "certainty"]),
    st.booleans(),
    st.lists(st.integers(0, 2), min_size=3, max_size=3),
)
def test_domains_made_of_whole_strata_take_the_shortcut_with_the_same_figures(
    sample, rule, unclustered, domain_of_stratum
):
    """Units as strata, unit types above them: the nested path (PSUs as the pairs, strata as the
    cells) gives what the general (domain, PSU) path gives, combinations and counts included."""
    import hailong.stats.estimation as estimation

    labels, stratum = np.unique(sample["strata"], return_inverse=True)
    codes = np.asarray(domain_of_stratum)[stratum]
    design = Design.build(
        weights=sample["weights"],
        strata=sample["strata"],
        clusters=None if unclustered else sample["clusters"],
        lonely_psu=rule,
    )
    y = np.column_stack([sample["y"], sample["z"]])
    x = np.column_stack([np.ones(design.n), sample["x"] * (sample["y"] > 0)])
    combinations = np.array([[0.5, 0.5], [1.0, -1.0]])
    assert estimation._nested_domains(design, codes) is not None
    nested = [
        estimate_ratios(design, y, x, domains=codes, n_domains=3),
        estimate_ratios(design, y, x, domains=codes, n_domains=3, combinations=combinations),
        estimate_ratios(design, y, None, domains=codes, n_domains=3),
    ]
    original = estimation._cells_for
    estimation._cells_for = lambda design, codes: None
    try:
        fresh = Design.build(
            weights=sample["weights"],
            strata=sample["strata"],
            clusters=None if unclustered else sample["clusters"],
            lonely_psu=rule,
        )
        general = [
            estimate_ratios(fresh, y, x, domains=codes, n_domains=3),
            estimate_ratios(fresh, y, x, domains=codes, n_domains=3, combinations=combinations),
            estimate_ratios(fresh, y, None, domains=codes, n_domains=3),
        ]
    finally:
        estimation._cells_for = original
    for a, b in zip(nested, general, strict=True):
        assert a.estimate == approx(b.estimate)
        assert a.se == approx(b.se)
        assert a.unweighted == approx(b.unweighted)
        assert (a.n == b.n).all()
        whole = estimate_ratios(design, y, x)
        assert a.covariance(0, whole, 0) == approx(b.covariance(0, estimate_ratios(fresh, y, x), 0))


@SETTINGS
@given(samples(lonely=True), st.sampled_from(["adjust", "average", "remove", "certainty"]))
def test_domains_cutting_across_strata_take_the_cell_shortcut_with_the_same_figures(sample, rule):
    """A breakdown (domains that cut across strata, some rows in none) in an unclustered design:
    the per-cell moments give what the general (domain, PSU) path gives."""
    import hailong.stats.estimation as estimation

    codes = np.where(sample["y"] > 0, sample["domain"], -1) if sample["y"].any() else sample["domain"]
    y = np.column_stack([sample["y"], sample["z"]])
    x = np.column_stack([np.ones(len(codes)), sample["x"]])
    combinations = np.array([[0.5, 0.5], [1.0, -1.0]])

    def figures(design):
        return [
            estimate_ratios(design, y, x, domains=codes, n_domains=3),
            estimate_ratios(design, y, x, domains=codes, n_domains=3, combinations=combinations),
            estimate_ratios(design, y, None, domains=codes, n_domains=3),
        ]

    def design():
        return Design.build(weights=sample["weights"], strata=sample["strata"], lonely_psu=rule)

    shortcut = design()
    cells = estimation._cells_for(shortcut, codes)
    assert cells is not None
    fast = figures(shortcut)
    original = estimation._cells_for
    estimation._cells_for = lambda design, codes: None
    try:
        general = figures(design())
    finally:
        estimation._cells_for = original
    for a, b in zip(fast, general, strict=True):
        assert a.estimate == approx(b.estimate)
        assert a.se == approx(b.se)
        assert a.unweighted == approx(b.unweighted)
        assert (a.n == b.n).all()
        assert a.covariance(0) == approx(b.covariance(0))
