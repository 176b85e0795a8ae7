"""Design-based estimation for surveys — pure numpy/scipy, no Django, no project imports.

What it computes, and how (each module's docstring has the formulas):

- ``design``: strata, clusters (PSUs), weights, finite population correction, lonely-PSU rules; the
  with-replacement Taylor-linearisation variance of linearised scores;
- ``estimation``: totals, means, proportions, ratios and their linear combinations for the whole
  population and for every domain at once, domains estimated within the full design; covariances
  between domains (for differences);
- ``intervals``: normal, t (design degrees of freedom) and logit confidence intervals;
- ``calibration``: post-stratification and raking to known population totals;
- ``indices``: SIPAS satisfaction indices as data (items → criteria → pillars → overall, four
  aggregations) and choice shares for expectation questions;
- ``drivers``: weighted correlations of criterion scores with overall satisfaction, per domain;
- ``ranking``: competition ranks, difference tests and groups of indistinguishable units;
- ``sampling``: sample sizes, allocation, stratified / systematic / PPS / multistage selection and
  design weights (``docs/sampling-methods.md``);
- ``files``: estimation from a CSV and a TOML method (``hailong estimate``); ``synthetic``: test data.

The numbers agree with R's ``survey`` package (``svydesign``, ``svytotal``, ``svymean``,
``svyratio``, ``svyby``, ``svycontrast``, ``postStratify``, ``rake``): see
``tests/stats/golden/make_golden.R`` and the golden-value tests.
"""

from hailong.stats.calibration import poststratify, rake
from hailong.stats.design import Design, DesignError, LonelyPSUError
from hailong.stats.drivers import correlation_sums, correlations, respondent_shares, weighted_correlations
from hailong.stats.estimation import Figures, estimate_ratios, mean, ratio, total, whole_covariances
from hailong.stats.indices import (
    AGGREGATIONS,
    IndexEstimates,
    Method,
    Node,
    choice_shares,
    code_answers,
    estimate_index,
)
from hailong.stats.intervals import interval, quantile
from hailong.stats.ranking import (
    competition_ranks,
    difference_test,
    indistinguishable_groups,
    significant_differences,
)

__all__ = [
    "AGGREGATIONS",
    "Design",
    "DesignError",
    "Figures",
    "IndexEstimates",
    "LonelyPSUError",
    "Method",
    "Node",
    "choice_shares",
    "code_answers",
    "competition_ranks",
    "correlation_sums",
    "correlations",
    "difference_test",
    "estimate_index",
    "estimate_ratios",
    "indistinguishable_groups",
    "interval",
    "mean",
    "poststratify",
    "quantile",
    "respondent_shares",
    "rake",
    "ratio",
    "significant_differences",
    "total",
    "weighted_correlations",
    "whole_covariances",
]
