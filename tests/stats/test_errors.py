"""hailong.stats refuses what it cannot estimate, with a message that says why."""

from __future__ import annotations

import numpy as np
import pytest

from hailong.stats import (
    Design,
    DesignError,
    LonelyPSUError,
    estimate_ratios,
    interval,
    mean,
    poststratify,
    rake,
    ratio,
)


def two_strata(**options) -> Design:
    """Stratum "north" with PSUs 1 and 2, stratum "south" with PSU 1 only."""
    return Design.build(
        weights=[1.0, 2.0, 1.5, 3.0, 2.5],
        strata=["north", "north", "north", "south", "south"],
        clusters=[1, 1, 2, 1, 1],
        **options,
    )


def test_a_lonely_psu_with_fail_raises_naming_the_stratum():
    design = two_strata()
    with pytest.raises(LonelyPSUError, match=r"Stratum \(south\) has only one PSU") as raised:
        mean(design, [1.0, 0.0, 1.0, 1.0, 0.0])
    assert raised.value.stratum == "south"
    with pytest.raises(LonelyPSUError, match=r"\(south\)"):
        ratio(design, [1.0, 0.0, 1.0, 1.0, 0.0], np.ones(5), domains=[0, 1, 0, 1, 0])


def test_a_census_stratum_with_one_psu_is_not_lonely():
    design = two_strata(fpc=[10, 10, 10, 1, 1])
    figures = mean(design, [1.0, 0.0, 1.0, 1.0, 0.0])
    assert figures.se[0, 0] > 0


def test_an_unknown_lonely_psu_rule_is_refused():
    with pytest.raises(
        DesignError, match="lonely_psu must be one of fail, remove, certainty, adjust, average"
    ):
        two_strata(lonely_psu="ignore")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"weights": [1.0, 2.0, 3.0], "strata": [1, 2]}, "A design column has 2 rows, the data 3"),
        ({"weights": [1.0, 2.0, 3.0], "clusters": [1, 2, 3, 4]}, "A design column has 4 rows, the data 3"),
        ({"strata": [1, 1, 2], "fpc": [10, 10]}, "The fpc column has 2 rows, the data 3"),
        ({"n": 3, "weights": [1.0, 2.0]}, "The weights have 2 rows, the data 3"),
        ({}, "A design needs at least one column, or n"),
    ],
)
def test_design_columns_of_mismatched_lengths_are_refused(columns, message):
    with pytest.raises(DesignError, match=message):
        Design.build(**columns)


def test_data_of_another_length_than_the_design_is_refused():
    design = Design.build(weights=[1.0, 2.0, 3.0])
    with pytest.raises(DesignError, match="The data have 2 rows, the design 3"):
        mean(design, [1.0, 2.0])
    with pytest.raises(DesignError, match="Numerators and denominators must have the same shape"):
        estimate_ratios(design, np.ones((3, 2)), np.ones((3, 1)))
    with pytest.raises(DesignError, match="The domain codes have 2 rows, the data 3"):
        mean(design, [1.0, 2.0, 3.0], domains=[0, 1])
    with pytest.raises(DesignError, match="A domain code is not below n_domains"):
        mean(design, [1.0, 2.0, 3.0], domains=[0, 1, 2], n_domains=2)
    with pytest.raises(DesignError, match=r"combinations must be \(m, k\) or \(D, m, k\)"):
        estimate_ratios(design, np.ones((3, 2)), np.ones((3, 2)), combinations=[[0.5, 0.25, 0.25]])


@pytest.mark.parametrize("weights", [[1.0, -2.0, 3.0], [1.0, np.nan, 3.0], [1.0, np.inf, 3.0]])
def test_negative_or_non_finite_weights_are_refused(weights):
    with pytest.raises(DesignError, match="Every weight must be a finite number ≥ 0"):
        Design.build(weights=weights)


def test_an_fpc_that_varies_within_a_stratum_is_refused():
    with pytest.raises(DesignError, match="The fpc must be the same for every row of a stratum"):
        Design.build(strata=["a", "a", "b", "b"], fpc=[10, 12, 8, 8])


def test_an_fpc_smaller_than_the_sample_is_refused():
    with pytest.raises(DesignError, match="A stratum has more sampled PSUs than its population"):
        Design.build(strata=["a", "a", "a", "b", "b"], fpc=[2, 2, 2, 8, 8])


@pytest.mark.parametrize("fpc", [[0, 0, 5], [-1, -1, 5], [np.nan, np.nan, 5]])
def test_an_fpc_that_is_not_positive_is_refused(fpc):
    with pytest.raises(DesignError, match="Every fpc value must be a positive number"):
        Design.build(strata=["a", "a", "b"], fpc=fpc)


def test_poststratifying_a_sampled_group_missing_from_the_population_is_refused():
    design = Design.build(weights=[1.0, 2.0, 3.0, 4.0])
    with pytest.raises(DesignError, match="Post-stratum 'c' is in the sample but has no population total"):
        poststratify(design, ["a", "b", "c", "a"], {"a": 10, "b": 20})


def test_poststratifying_to_a_population_group_absent_from_the_sample_needs_partial():
    design = Design.build(weights=[1.0, 2.0, 3.0, 4.0])
    groups = ["a", "b", "b", "a"]
    population = {"a": 10, "b": 20, "z": 5}
    with pytest.raises(
        DesignError, match=r"Post-strata with a population total but no sample: z \(use partial=True"
    ):
        poststratify(design, groups, population)
    calibrated = poststratify(design, groups, population, partial=True)
    assert calibrated.weights.sum() == pytest.approx(30)


def test_raking_needs_a_margin_and_population_totals_for_every_sampled_category():
    design = Design.build(weights=[1.0, 2.0, 3.0, 4.0])
    with pytest.raises(DesignError, match="Raking needs at least one margin"):
        rake(design, [])
    with pytest.raises(DesignError, match="Post-stratum 'v' is in the sample but has no population total"):
        rake(design, [(["u", "v", "u", "v"], {"u": 5})])


def test_covariances_between_figures_of_two_designs_are_refused():
    one, other = Design.build(weights=[1.0, 2.0, 3.0]), Design.build(weights=[1.0, 2.0, 3.0])
    a, b = mean(one, [1.0, 2.0, 3.0]), mean(other, [1.0, 2.0, 3.0])
    with pytest.raises(DesignError, match="Covariances need two sets of figures from the same design"):
        a.covariance(0, b)


def test_an_interval_with_an_unknown_method_is_refused():
    with pytest.raises(ValueError, match="The interval method must be one of normal, t, logit"):
        interval(0.5, 0.1, method="wilson")


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.2])
def test_an_interval_level_outside_zero_one_is_refused(level):
    with pytest.raises(ValueError, match="The confidence level must be between 0 and 1"):
        interval(0.5, 0.1, level=level)


@pytest.mark.parametrize("df", [None, 0])
def test_a_t_interval_without_degrees_of_freedom_is_refused(df):
    with pytest.raises(ValueError, match="A t interval needs at least one design degree of freedom"):
        interval(0.5, 0.1, method="t", df=df)
