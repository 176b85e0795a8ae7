"""National averages typed by the analyst: checked, frozen in the run, compared on the unit page."""

import pytest
from django.core.exceptions import ValidationError

from hailong.accounts.roles import Role
from hailong.indices.choices import DomainKind, FigureKind
from hailong.indices.models import EstimateValue, EstimationRun
from hailong.indices.selectors import run_unit_report
from hailong.indices.services import run_create, run_execute

pytestmark = pytest.mark.django_db


def test_the_form_reads_vietnamese_percentages_and_the_unit_page_compares(
    client, make_user, unit, tiny_data, wards
):
    client.force_login(make_user(Role.ANALYST, unit("48")))
    form = {"aggregation": "item_mean", "interval_method": "normal", "level": "0.95"}
    form.update(weighting="design", counted="approved", map_to="", national="overall = 99,5\nE1 = 10%\n")
    client.post(f"/results/campaigns/{tiny_data.pk}/", form)
    run = EstimationRun.objects.get()
    assert run.parameters["national"] == {"E1": pytest.approx(0.1), "overall": pytest.approx(0.995)}
    run = run_execute(run=run)
    report = run_unit_report(run, wards[0])
    overall = report.overall
    assert overall.national.average == pytest.approx(0.995)
    assert overall.national.difference == pytest.approx(overall.value.estimate - 0.995)
    assert overall.national.flag == "below", "the unit is well below 99.5%"
    e1 = next(line for line in report.nodes if line.code == "E1")
    assert e1.national.flag == "above"
    e2 = next(line for line in report.nodes if line.code == "E2")
    assert e2.national is None, "no national figure typed for E2"
    page = client.get(f"/results/runs/{run.pk}/units/{wards[0].pk}/").content.decode()
    assert "99,50%" in page and ("Bình quân cả nước" in page or "National average" in page)


def test_bad_lines_and_unknown_codes_are_refused_with_the_line_named(client, make_user, unit, tiny_data):
    client.force_login(make_user(Role.ANALYST, unit("48")))
    form = {"aggregation": "item_mean", "interval_method": "normal", "level": "0.95"}
    form.update(weighting="design", counted="approved", map_to="", national="overall = 80\nE1 eighty\n")
    page = client.post(f"/results/campaigns/{tiny_data.pk}/", form).content.decode()
    assert ("Dòng 2" in page or "Line 2" in page) and not EstimationRun.objects.exists()
    with pytest.raises(ValidationError, match="Z9"):
        run_create(campaign=tiny_data, national={"Z9": 0.5}, enqueue=False)
    with pytest.raises(ValidationError, match="overall"):
        run_create(campaign=tiny_data, national={"overall": 1.5}, enqueue=False)
    run = run_execute(run=run_create(campaign=tiny_data, enqueue=False))
    assert run.parameters["national"] == {}
    assert EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL).exists()
