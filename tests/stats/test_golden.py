"""hailong.stats agrees with R's survey package on golden values (``golden/make_golden.R``).

Every case of ``golden/golden.json`` rebuilds its design from the CSV files with ``hailong.stats``
and compares: estimates to ``1e-9`` absolute, standard errors to ``1e-6`` relative, covariances to
``1e-6`` of ``sqrt(V_i V_j)`` (the same relative precision on the correlation scale), interval
bounds to ``1e-9`` plus ``1e-6`` of the half-width. No R is needed, except for the last test, which
re-derives the golden file from R when R and the survey package are installed.
"""

from __future__ import annotations

import csv
import functools
import json
import math
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from hailong.stats import (
    Design,
    LonelyPSUError,
    estimate_ratios,
    interval,
    mean,
    poststratify,
    rake,
    ratio,
    total,
)
from tests.conftest import REPO_ROOT, skip_or_fail

GOLDEN = Path(__file__).parent / "golden"
SCRIPT = GOLDEN / "make_golden.R"
ESTIMATE = 1e-9
SE = 1e-6


@functools.cache
def golden() -> dict:
    return json.loads((GOLDEN / "golden.json").read_text(encoding="utf-8"))


@functools.cache
def dataset(name: str) -> dict[str, np.ndarray]:
    """Columns of a CSV as arrays of strings (labels) — ``numeric`` turns one into floats."""
    with (GOLDEN / golden()["datasets"][name]).open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return {column: np.array([row[column] for row in rows]) for column in rows[0]}


def numeric(values: np.ndarray) -> np.ndarray:
    return values.astype(float)


def build_design(spec: dict) -> Design:
    data = dataset(spec["data"])
    design = Design.build(
        n=len(data["w"]),
        weights=None if spec["weights"] is None else numeric(data[spec["weights"]]),
        strata=None if spec["strata"] is None else data[spec["strata"]],
        clusters=None if spec["clusters"] is None else data[spec["clusters"]],
        fpc=None if spec["fpc"] is None else numeric(data[spec["fpc"]]),
        lonely_psu=spec["lonely_psu"],
    )
    calibration = spec["calibration"]
    if calibration is not None and calibration["type"] == "post":
        design = poststratify(design, data[calibration["variable"]], calibration["population"])
    if calibration is not None and calibration["type"] == "rake":
        margins = [(data[m["variable"]], m["population"]) for m in calibration["margins"]]
        design, converged = rake(design, margins)
        assert converged
    return design


@functools.cache
def design_named(name: str) -> Design:
    spec = next(case["design"] for case in golden()["cases"] if case["design_name"] == name)
    return build_design(spec)


def domain_codes(data: dict[str, np.ndarray], column: str | None) -> tuple[np.ndarray | None, list[str]]:
    if column is None:
        return None, []
    levels, codes = np.unique(data[column], return_inverse=True)
    return codes, [str(level) for level in levels]


def compute(case: dict):
    """``(figures, domain labels)`` of the case's estimator with hailong.stats."""
    design = design_named(case["design_name"])
    data = dataset(case["design"]["data"])
    estimator = case["estimator"]
    numerators = np.column_stack([numeric(data[v]) for v in estimator["numerators"]])
    denominators = estimator.get("denominators")
    if denominators is not None:
        denominators = np.column_stack([numeric(data[v]) for v in denominators])
    codes, levels = domain_codes(data, estimator["domain"])
    n_domains = len(levels) if levels else None
    kind = estimator["kind"]
    if kind == "total":
        figures = total(design, numerators, domains=codes, n_domains=n_domains)
    elif kind == "mean":
        figures = mean(design, numerators, domains=codes, n_domains=n_domains)
    elif kind == "ratio":
        figures = ratio(design, numerators, denominators, domains=codes, n_domains=n_domains)
    else:
        figures = estimate_ratios(
            design,
            numerators,
            denominators,
            domains=codes,
            n_domains=n_domains,
            combinations=[estimator["combination"]],
        )
    return figures, levels


def flat(array: np.ndarray) -> np.ndarray:
    """``(D, q)`` → R's order, quantity-major and domain-minor."""
    return np.asarray(array).T.reshape(-1)


def full_covariance(figures) -> np.ndarray:
    """Covariance of ``flat(figures.estimate)``, from ``Figures.covariance``."""
    q = figures.estimate.shape[1]
    return np.block([[figures.covariance(i, figures, j) for j in range(q)] for i in range(q)])


def assert_estimates(python, r):
    assert np.asarray(python, dtype=float) == pytest.approx(np.asarray(r, dtype=float), abs=ESTIMATE, rel=0)


def assert_ses(python, r):
    assert np.asarray(python, dtype=float) == pytest.approx(np.asarray(r, dtype=float), rel=SE, abs=1e-300)


def assert_covariances(python: np.ndarray, r) -> None:
    r = np.asarray(r, dtype=float)
    scale = np.sqrt(np.outer(np.abs(np.diag(r)), np.abs(np.diag(r))))
    assert python.shape == r.shape
    worst = np.max(np.abs(python - r) - SE * scale - 1e-300)
    assert worst <= 0, f"covariances differ by more than {SE} of sqrt(V_i V_j):\n{python}\n{r}"


# -------------------------------------------------------------------------------------------------
def check_figures(case: dict):
    result = case["result"]
    figures, levels = compute(case)
    if result["domains"] is not None:
        assert levels == result["domains"]
    assert_estimates(flat(figures.estimate), result["estimate"])
    # The standard errors R reports (for svyby: each domain's own subset), and the full covariance
    # matrix (for svyby: influence functions over the whole design).
    assert_ses(flat(figures.se), result["reported_se"])
    assert_covariances(full_covariance(figures), result["vcov"])


def check_contrast(case: dict):
    result = case["result"]
    figures, _ = compute(case)
    coefficients = np.asarray(case["estimator"]["contrast"], dtype=float)
    estimate = coefficients @ flat(figures.estimate)
    se = math.sqrt(coefficients @ full_covariance(figures) @ coefficients)
    assert_estimates(estimate, result["estimate"])
    assert_ses(se, result["se"])


def check_domain_minus_overall(case: dict):
    result = case["result"]
    by_domain, levels = compute(case)
    overall, _ = compute({**case, "estimator": {**case["estimator"], "domain": None}})
    d = levels.index(case["estimator"]["level"])
    variance_domain = by_domain.covariance(0)[d, d]
    variance_overall = overall.covariance(0)[0, 0]
    covariance = by_domain.covariance(0, overall, 0)[d, 0]
    assert_estimates(by_domain.estimate[d, 0], result["domain_estimate"])
    assert_estimates(overall.estimate[0, 0], result["overall_estimate"])
    assert_ses(math.sqrt(variance_domain), result["domain_se"])
    assert_ses(math.sqrt(variance_overall), result["overall_se"])
    assert abs(covariance - result["covariance"]) <= SE * result["domain_se"] * result["overall_se"]
    assert_estimates(by_domain.estimate[d, 0] - overall.estimate[0, 0], result["estimate"])
    assert_ses(math.sqrt(variance_domain + variance_overall - 2 * covariance), result["se"])


def check_combination(case: dict):
    result = case["result"]
    figures, levels = compute(case)
    if result.get("domains") is not None:
        assert levels == result["domains"]
    assert_estimates(figures.estimate[:, 0], result["estimate"])
    assert_ses(figures.se[:, 0], result["se"])


def check_degf(case: dict):
    assert design_named(case["design_name"]).degrees_of_freedom == case["result"]["df"]


def check_interval(case: dict):
    result = case["result"]
    estimator = case["estimator"]
    design = design_named(case["design_name"])
    figures = mean(design, numeric(dataset(case["design"]["data"])[estimator["variable"]]))
    estimate, se = figures.estimate[0, 0], figures.se[0, 0]
    assert_estimates(estimate, result["estimate"])
    assert_ses(se, result["se"])
    low, high = interval(
        estimate,
        se,
        level=estimator["level"],
        method=estimator["method"],
        df=design.degrees_of_freedom,
        proportion=estimator["proportion"],
    )
    tolerance = ESTIMATE + SE * abs(result["high"] - result["low"]) / 2
    assert float(low) == pytest.approx(result["low"], abs=tolerance, rel=0)
    assert float(high) == pytest.approx(result["high"], abs=tolerance, rel=0)


def check_error(case: dict):
    stratum = case["result"]["stratum"]
    design_named(case["design_name"])  # the design is built; its variances fail
    with pytest.raises(LonelyPSUError, match=rf"\({stratum}\)") as raised:
        compute(case)
    assert str(raised.value.stratum) == stratum


def check(case: dict):
    estimator = case["estimator"]
    if estimator.get("expect") == "error":
        check_error(case)
    elif estimator["kind"] == "degf":
        check_degf(case)
    elif estimator["kind"] == "interval":
        check_interval(case)
    elif "contrast" in estimator:
        check_contrast(case)
    elif "level" in estimator:
        check_domain_minus_overall(case)
    elif estimator["kind"] == "combination":
        check_combination(case)
    else:
        check_figures(case)


CASES = golden()["cases"]


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_agrees_with_r_survey(case):
    check(case)


def test_golden_file_covers_every_kind_of_case():
    ids = {case["id"].split("/", 1)[1] for case in CASES}
    designs = {case["design_name"] for case in CASES}
    assert {
        "svytotal",
        "svymean",
        "svyratio",
        "svyratio_by_domain",
        "item_mean",
        "item_mean_by_domain",
    } <= ids
    assert {"degf", "error_mean", "ratio_domain_d1_minus_overall", "svyciprop_logit_normal_rare"} <= ids
    assert {"weights_only", "stratified_clustered_fpc_fraction", "stratified_fpc_no_weights"} <= designs
    assert {"poststratified", "raked", "lonely_fail", "lonely_adjust", "lonely_average"} <= designs


# -------------------------------------------------------------------------------------------------
def r_with_survey() -> str:
    rscript = shutil.which("Rscript")
    if rscript is None:
        skip_or_fail("Rscript is not installed (apt-get install r-base-core r-cran-survey)")
    probe = subprocess.run([rscript, "-e", "library(survey)"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        skip_or_fail("the R package survey is not installed (apt-get install r-cran-survey)")
    return rscript


def numerically_equal(a, b, path: str = "") -> list[str]:
    """Where two JSON values differ (numbers to 1e-12 relative), as readable paths."""
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return [f"{path}: keys {sorted(a)} != {sorted(b)}"]
        return [d for key in a for d in numerically_equal(a[key], b[key], f"{path}.{key}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        return [
            d
            for i, (x, y) in enumerate(zip(a, b, strict=True))
            for d in numerically_equal(x, y, f"{path}[{i}]")
        ]
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return [] if math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-30) else [f"{path}: {a!r} != {b!r}"]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


@pytest.mark.slow
def test_r_script_reproduces_the_committed_golden_file(tmp_path):
    rscript = r_with_survey()
    run = subprocess.run(
        [rscript, str(SCRIPT), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    for name in golden()["datasets"].values():
        assert (tmp_path / name).read_text() == (GOLDEN / name).read_text(), f"{name} differs"
    fresh = json.loads((tmp_path / "golden.json").read_text(encoding="utf-8"))
    committed = golden()
    for key in ("r_version", "survey_version"):
        fresh.pop(key)
    committed = {key: value for key, value in committed.items() if key not in ("r_version", "survey_version")}
    differences = numerically_equal(fresh, committed)
    assert not differences, "\n".join(differences[:20])
