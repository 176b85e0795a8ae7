"""Rankings with ties, groups of units that cannot be told apart, gaps to the province average."""

import numpy as np
import pytest

from hailong.indices.compute import whole_covariances
from hailong.indices.method import method_from_version
from hailong.indices.models import EstimateValue
from hailong.indices.selectors import run_compare, run_unit_report
from hailong.indices.services import run_create, run_execute
from hailong.stats import Design, estimate_index, poststratify
from tests.indices.conftest import TINY_ITEMS, add_responses, tiny_answers
from tests.indices.test_runs import counted

pytestmark = pytest.mark.django_db


def execute(campaign, **parameters):
    return run_execute(run=run_create(campaign=campaign, enqueue=False, **parameters))


def overall_rows(run, unit_type):
    return list(
        EstimateValue.objects.filter(run=run, domain="unit", kind="overall", unit_type=unit_type).order_by(
            "rank"
        )
    )


def test_ranks_groups_and_gaps_show_the_unit_that_is_clearly_worse(tiny_data, departments):
    run = execute(tiny_data)
    ranked = overall_rows(run, "department")
    assert [row.unit_id for row in ranked][-1] == departments[2].pk
    assert [row.rank for row in ranked] == [1, 2, 3]
    worst = ranked[-1]
    best_groups = set(ranked[0].rank_groups)
    assert best_groups and not best_groups & set(worst.rank_groups), (
        "the worst unit shares no group with the best"
    )
    assert worst.gap_flag == "below" and worst.gap < 0
    # Every figure of the worse unit that is estimated is below the province's, most significantly.
    figures = EstimateValue.objects.filter(run=run, unit=departments[2]).exclude(estimate=None)
    assert figures.filter(gap_flag="below").count() >= figures.count() - 2
    # Wards rank among themselves.
    assert len(overall_rows(run, "commune")) == 3


def test_the_gap_uses_the_covariance_of_the_unit_with_the_whole(tiny_data, departments):
    run = execute(tiny_data)
    units, answers = counted(tiny_data)
    spec = method_from_version(tiny_data.version)
    design = Design.build(weights=np.ones(len(units)), strata=units, lonely_psu="adjust")
    columns = {item: [a.get(item) for a in answers] for item in TINY_ITEMS}
    levels = np.unique(units)
    by_unit = estimate_index(
        design, columns, spec.method, domains=np.searchsorted(levels, units), n_domains=len(levels)
    )
    whole = estimate_index(design, columns, spec.method)
    q = by_unit.column("overall")
    d = int(np.searchsorted(levels, departments[2].pk))
    covariance = by_unit.figures.covariance(q, whole.figures, q)[d, 0]
    expected_se = np.sqrt(by_unit.figures.se[d, q] ** 2 + whole.figures.se[0, q] ** 2 - 2 * covariance)
    stored = EstimateValue.objects.get(run=run, domain="unit", unit=departments[2], kind="overall")
    assert stored.gap == pytest.approx(
        by_unit.figures.estimate[d, q] - whole.figures.estimate[0, q], abs=1e-12
    )
    assert stored.gap_se == pytest.approx(expected_se, abs=1e-12)
    assert covariance > 0, "a unit is part of the province: ignoring the covariance overstates the SE"


@pytest.mark.parametrize("calibrated", [False, True])
def test_whole_covariances_equal_the_stats_covariance_for_every_quantity(calibrated):
    rng = np.random.default_rng(3)
    n = 300
    strata = rng.integers(0, 5, n)
    clusters = rng.integers(0, 60, n)
    design = Design.build(
        weights=rng.uniform(0.5, 2, n), strata=strata, clusters=clusters, lonely_psu="adjust"
    )
    if calibrated:
        cells = [f"{s}|{g}" for s, g in zip(strata, rng.integers(0, 2, n), strict=True)]
        design = poststratify(design, cells, dict.fromkeys(set(cells), 50))
    from hailong.stats import Method, Node

    method = Method(
        valid=("1", "2", "3", "4", "5"),
        satisfied=("4", "5"),
        nodes=(Node("A", items=("a", "b")), Node("B", items=("c",))),
    )
    columns = {k: [str(v) for v in rng.integers(1, 6, n)] for k in "abc"}
    domains = (strata + rng.integers(0, 2, n)) % 4
    by_domain = estimate_index(design, columns, method, domains=domains, n_domains=4)
    whole = estimate_index(design, columns, method)
    fast = whole_covariances(by_domain.figures, whole.figures)
    for q in range(len(by_domain.labels)):
        exact = by_domain.figures.covariance(q, whole.figures, q)[:, 0]
        assert fast[:, q] == pytest.approx(exact, rel=1e-9, abs=1e-15)


def test_equal_published_figures_share_a_rank(tiny_campaign, wards):
    rng = np.random.default_rng(11)
    same = tiny_answers(rng, 30, 4.0)
    add_responses(tiny_campaign, wards[0], same)
    add_responses(tiny_campaign, wards[1], same)
    add_responses(tiny_campaign, wards[2], tiny_answers(rng, 30, 4.6))
    run = execute(tiny_campaign)
    ranks = {row.unit_id: row.rank for row in overall_rows(run, "commune")}
    assert ranks == {wards[2].pk: 1, wards[0].pk: 2, wards[1].pk: 2}


def test_unit_report_and_change_between_runs(tiny_data, departments):
    first = execute(tiny_data)
    second = execute(tiny_data, level=0.9)
    report = run_unit_report(first, departments[2])
    overall = report.overall
    assert overall.value.unit_id == departments[2].pk and overall.province.domain == "overall"
    assert overall.value.gap_flag == "below"
    comparison = {(row.kind, row.code): row for row in run_compare(second, first, unit=departments[2])}
    same = comparison[("overall", "")]
    assert same.difference == pytest.approx(0) and not same.significant
    assert same.se == pytest.approx(np.sqrt(2) * same.current.se)
