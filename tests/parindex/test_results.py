"""Survey points from a published run, results (index, group, rank, fields, change), export, portal."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation
from python_calamine import CalamineWorkbook

from hailong.indices.choices import DomainKind, FigureKind
from hailong.indices.models import EstimateValue
from hailong.parindex import selectors, services
from hailong.parindex.exports import results_xlsx
from tests.parindex.conftest import FULL, fill, run_all

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages matched below are the English msgids."""
    translation.activate("en")


def test_survey_points_only_from_a_published_run(cycle, done_run, officers):
    with pytest.raises(ValidationError, match="published"):
        services.survey_points_apply(cycle=cycle, run=done_run, actor=officers["manager"])


def test_survey_points_convert_the_units_overall_index(cycle, published, departments, officers):
    run = published.run
    n = services.survey_points_apply(cycle=cycle, run=run, actor=officers["manager"])
    assert n == 3
    for dept in departments:
        overall = EstimateValue.objects.get(
            run=run, domain=DomainKind.UNIT, unit=dept, kind=FigureKind.OVERALL
        )
        score = cycle.assessments.get(unit=dept).scores.get(criterion__code="3.1.1")
        assert score.survey_points == round(30 * overall.estimate / 100, 2)
        assert score.changes.filter(stage="survey").count() == 1


def test_results_rank_group_fields_and_change_since_last_year(
    cycle, published, departments, officers, demo_set, unit
):
    services.survey_points_apply(cycle=cycle, run=published.run, actor=officers["manager"])
    run_all(cycle, officers)
    fields, rows = selectors.cycle_results(cycle)
    assert [f.code for f in fields] == ["1", "2", "3"]
    # Same self-scores: survey points order the units (department 1 best, department 3 worst).
    assert [r.assessment.unit for r in rows] == departments
    assert [r.rank for r in rows] == [1, 2, 3]
    best = rows[0].assessment
    survey = best.scores.get(criterion__code="3.1.1").survey_points
    assert best.total == pytest.approx(63 + survey)
    assert best.index == pytest.approx(63 + survey)  # out of 100: points = percent
    assert best.group == (
        "A" if best.index >= 90 else "B" if best.index >= 80 else "C" if best.index >= 70 else "D"
    )
    assert rows[0].field_ranks["1"] == 1 and rows[2].field_ranks["1"] == 1  # equal in field 1: tie
    assert rows[0].change is None
    # A second year, one unit better: the change since the previous cycle.
    nxt = services.cycle_create(
        criteria_set=demo_set,
        organiser=unit("48"),
        year=2027,
        name="2027",
        self_deadline=timezone.now() + timedelta(days=5),
        units=departments,
        actor=officers["manager"],
        previous=cycle,
    )
    run_all(nxt, officers, values={**FULL, "3.2.1": 10})
    _fields, rows2 = selectors.cycle_results(nxt)
    by_unit = {r.assessment.unit_id: r for r in rows2}
    first_year = {r.assessment.unit_id: r.assessment.index for r in rows}
    for dept in departments:
        assert by_unit[dept.pk].change == pytest.approx(
            by_unit[dept.pk].assessment.index - first_year[dept.pk]
        )


def test_results_xlsx_has_the_official_columns(cycle, officers):
    run_all(cycle, officers)
    with translation.override("vi"):
        book = CalamineWorkbook.from_filelike(io.BytesIO(results_xlsx(cycle)))
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[0][0] == cycle.name
    assert rows[1][:6] == ["Hạng", "Đơn vị", "Mã", "Tổng điểm", "Chỉ số (%)", "Nhóm"]
    assert len(rows) == 2 + 3
    assert rows[2][4] == 90  # 63 of 70, rescaled without the survey


def test_publication_needs_every_result_final(cycle, departments, officers):
    a = cycle.assessments.get(unit=departments[0])
    fill(a, officers["officer"])
    with pytest.raises(ValidationError, match="final"):
        services.cycle_publish(cycle=cycle, actor=officers["manager"])
    with pytest.raises(Exception, match="par.manage"):
        services.cycle_publish(cycle=cycle, actor=officers["officer"])
