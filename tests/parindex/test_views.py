"""The pages: evidence served safely, other units refused, import errors shown, the portal after publication."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from hailong.parindex import services
from tests.parindex.conftest import fill, run_all
from tests.parindex.test_criteria_sets import _xlsx
from tests.parindex.test_workflow import PDF

pytestmark = pytest.mark.django_db


def _client(client, user):
    client.force_login(user)
    return client


def test_the_unit_scores_and_uploads_evidence_served_as_an_attachment(client, cycle, departments, par_people):
    a = cycle.assessments.get(unit=departments[0])
    score = a.scores.get(criterion__code="1.1.1")
    c = _client(client, par_people["officer"])
    page = c.get(a.get_absolute_url())
    assert page.status_code == 200
    response = c.post(
        reverse("parindex:score_self", args=[a.pk, score.pk]),
        {"value": "1", "explanation": "Ban hành ngày 15/01", "file": SimpleUploadedFile("qd.pdf", PDF)},
    )
    assert response.status_code == 302
    score.refresh_from_db()
    assert score.self_points == 4
    evidence = a.evidence.get()
    download = c.get(reverse("parindex:evidence", args=[evidence.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PDF
    page = c.get(a.get_absolute_url())
    assert "4,00 / 70,00" in page.content.decode()  # the live draft total, Vietnamese format


def test_another_unit_gets_404_for_the_page_and_the_evidence(client, cycle, departments, par_people):
    a = cycle.assessments.get(unit=departments[0])
    evidence = services.evidence_upload(
        assessment=a,
        criterion=a.scores.get(criterion__code="1.1.1").criterion,
        upload=SimpleUploadedFile("qd.pdf", PDF),
        actor=par_people["officer"],
    )
    c = _client(client, par_people["other_officer"])
    assert c.get(a.get_absolute_url()).status_code == 404
    assert c.get(reverse("parindex:evidence", args=[evidence.pk])).status_code == 404


def test_import_errors_are_shown_with_the_row(client, par_people):
    c = _client(client, par_people["manager"])
    upload = _xlsx([("1", "A", 50, "chấm trực tiếp", ""), ("2", "B", 40, "chấm trực tiếp", "")])
    upload.name = "bo.xlsx"
    response = c.post(
        reverse("parindex:set_import"),
        {"name": "x", "year": 2026, "unit_kind": "department", "file": upload},
        follow=True,
    )
    assert "Dòng 3: tổng điểm các lĩnh vực là 90, không phải 100." in response.content.decode()


def test_the_portal_shows_the_ranking_only_after_publication(client, cycle, officers):
    run_all(cycle, officers)
    url = reverse("portal:par_cycle", args=[cycle.pk])
    assert client.get(url).status_code == 404
    assert cycle.name not in client.get(reverse("portal:par_home")).content.decode()
    services.cycle_publish(cycle=cycle, actor=officers["manager"])
    page = client.get(url).content.decode()
    assert "90,00%" in page
    assert cycle.name in client.get(reverse("portal:par_home")).content.decode()
    xlsx = _client(client, officers["manager"]).get(reverse("parindex:cycle_xlsx", args=[cycle.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_set_export_downloads(client, demo_set, par_people):
    response = _client(client, par_people["manager"]).get(reverse("parindex:set_xlsx", args=[demo_set.pk]))
    assert response.status_code == 200
    from hailong.core.tabular import read_table

    table = read_table(io.BytesIO(response.content), filename="x.xlsx")
    assert "điểm tối đa" in table.header


def test_fill_helper_is_complete(cycle, departments, par_people):
    a = cycle.assessments.get(unit=departments[0])
    fill(a, par_people["officer"])
    assert not a.scores.exclude(criterion__method="survey").filter(self_points__isnull=True).exists()
