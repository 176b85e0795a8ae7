"""Breakdowns (the whole campaign cut by channel, procedure field, applicant type) and drivers."""

import numpy as np
import pytest
from django.core.exceptions import ValidationError

from hailong.indices.choices import DomainKind, FigureKind, RunStatus
from hailong.indices.method import method_from_version
from hailong.indices.models import EstimateValue
from hailong.indices.services import run_create, run_execute
from hailong.stats import Design, estimate_index, respondent_shares, weighted_correlations
from hailong.stats.indices import code_answers
from tests.indices.conftest import TINY_ITEMS
from tests.indices.test_runs import counted

pytestmark = pytest.mark.django_db


def test_a_breakdown_is_the_domain_estimate_of_its_category_within_the_whole_design(tiny_data):
    run = run_execute(run=run_create(campaign=tiny_data, enqueue=False))
    assert run.status == RunStatus.DONE, run.error
    assert [name for name, _c in run.parameters["breakdowns"]] == ["channel", "linh_vuc"], (
        "the questionnaire has no applicant-type question: that default is left out"
    )
    units, answers = counted(tiny_data)
    spec = method_from_version(tiny_data.version)
    design = Design.build(weights=np.ones(len(units)), strata=units, lonely_psu="adjust")
    fields = ["dat_dai", "ho_tich"]
    codes = np.array([fields.index(a["linh_vuc"]) for a in answers])
    columns = {item: [a.get(item) for a in answers] for item in TINY_ITEMS}
    direct = estimate_index(design, columns, spec.method, domains=codes, n_domains=2)
    overall = direct.column("overall")
    for position, field in enumerate(fields):
        stored = EstimateValue.objects.get(
            run=run,
            domain=DomainKind.BREAKDOWN,
            breakdown="linh_vuc",
            category=field,
            kind=FigureKind.OVERALL,
        )
        assert stored.unit_id is None and stored.unit_type == ""
        assert stored.estimate == pytest.approx(direct.figures.estimate[position, overall], abs=1e-12)
        assert stored.se == pytest.approx(direct.figures.se[position, overall], rel=1e-9)
        assert stored.n == int(direct.figures.n[position, overall]) == int((codes == position).sum())
    web = EstimateValue.objects.get(
        run=run, domain=DomainKind.BREAKDOWN, breakdown="channel", category="web", kind=FigureKind.OVERALL
    )
    whole = EstimateValue.objects.get(run=run, domain=DomainKind.OVERALL, kind=FigureKind.OVERALL)
    assert web.estimate == pytest.approx(whole.estimate, abs=1e-12), "every test response came by web"
    paper = EstimateValue.objects.get(
        run=run, domain=DomainKind.BREAKDOWN, breakdown="channel", category="paper", kind=FigureKind.OVERALL
    )
    assert paper.estimate is None and paper.n == 0


def test_only_breakdowns_the_questionnaire_has_can_be_asked_for(tiny_data):
    with pytest.raises(ValidationError, match="gioi_tinh"):
        run_create(campaign=tiny_data, breakdowns=["gioi_tinh"], enqueue=False)
    run = run_execute(run=run_create(campaign=tiny_data, breakdowns=[], enqueue=False))
    assert not EstimateValue.objects.filter(run=run, domain=DomainKind.BREAKDOWN).exists()


def test_drivers_are_weighted_correlations_of_criterion_scores_with_the_overall_question(tiny_data):
    run = run_execute(run=run_create(campaign=tiny_data, enqueue=False))
    units, answers = counted(tiny_data)
    spec = method_from_version(tiny_data.version)
    method = spec.method
    coded = np.column_stack(
        [code_answers([a.get(i) for a in answers], method.valid, method.satisfied) for i in method.items()]
    )
    column = {item: j for j, item in enumerate(method.items())}
    target = respondent_shares(coded, [column["overall"]])
    tops = [node for node in method.nodes if node.leaf_items()]
    scores = np.column_stack([respondent_shares(coded, [column[i] for i in n.leaf_items()]) for n in tops])
    levels = np.unique(units)
    r_units, n_units = weighted_correlations(
        np.ones(len(units)), scores, target, np.searchsorted(levels, units), len(levels)
    )
    r_whole, _n = weighted_correlations(np.ones(len(units)), scores, target, np.zeros(len(units), int), 1)
    for c, node in enumerate(tops):
        whole = EstimateValue.objects.get(
            run=run, domain=DomainKind.OVERALL, kind=FigureKind.DRIVER, code=node.code
        )
        assert whole.measure == "overall" and whole.se is None
        assert whole.estimate == pytest.approx(r_whole[0, c], abs=1e-12)
        assert 0 < whole.estimate < 1, "criterion scores and overall satisfaction move together"
        for u, unit in enumerate(levels):
            stored = EstimateValue.objects.get(
                run=run, domain=DomainKind.UNIT, unit_id=unit, kind=FigureKind.DRIVER, code=node.code
            )
            assert stored.n == n_units[u, c]
            if np.isnan(r_units[u, c]):
                assert stored.estimate is None
            else:
                assert stored.estimate == pytest.approx(r_units[u, c], abs=1e-12)
