"""The dashboard and the scorecard: what they show, the filters, the comments, who may see what."""

import json
import re

import pytest

from hailong.core.formatting import format_percent
from hailong.indices.models import EstimateValue

pytestmark = pytest.mark.django_db


def pct(value) -> str:
    return format_percent(value * 100, 2)


def spec_of(html: str, name: str) -> dict:
    match = re.search(rf'<script id="spec-{name}" type="application/json">(.*?)</script>', html, re.S)
    assert match, f"no chart {name}"
    return json.loads(match.group(1))


def test_dashboard_shows_the_runs_figures(client, people, run):
    client.force_login(people["viewer"])
    response = client.get(f"/reports/runs/{run.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    overall = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
    assert pct(overall.estimate) in html
    assert "," in pct(overall.estimate)  # Vietnamese decimal comma
    for name in ("criteria", "ranking", "distribution", "heatmap", "trend"):
        spec_of(html, name)
    # The grid lists every unit of the default group (departments first), linking to scorecards.
    departments = EstimateValue.objects.filter(run=run, domain="unit", kind="overall", unit_type="department")
    for value in departments:
        assert f"/reports/runs/{run.pk}/units/{value.unit_id}/" in html


def test_scorecard_shows_the_unit(client, people, run, wards):
    client.force_login(people["officer"])
    response = client.get(f"/reports/runs/{run.pk}/units/{wards[0].pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    mine = EstimateValue.objects.get(run=run, domain="unit", unit=wards[0], kind="overall")
    assert pct(mine.estimate) in html
    assert "0905 123 456" not in html and "an.nguyen@example.vn" not in html
    assert "Bị loại" not in html
    assert "Cán bộ hướng dẫn tận tình" in html
    # Every criterion and question of the unit, and the campaign's same figure, as stored.
    for v in EstimateValue.objects.filter(run=run, domain="unit", unit=wards[0], kind__in=["node", "item"]):
        assert f'<td class="num">{pct(v.estimate)}</td>' in html, v.code
    for v in EstimateValue.objects.filter(run=run, domain="overall", kind="node"):
        assert pct(v.estimate) in html


def status(client, user, url, method="get", **data):
    client.logout()
    if user is not None:
        client.force_login(user)
    return getattr(client, method)(url, data).status_code


def test_permission_matrix(client, people, run, wards, departments):
    own = f"/reports/runs/{run.pk}/units/{wards[0].pk}/"
    other = f"/reports/runs/{run.pk}/units/{departments[2].pk}/"
    pages = {"home": "/reports/", "dashboard": f"/reports/runs/{run.pk}/", "own": own, "other": other}
    expected = {
        "manager": {"home": 200, "dashboard": 200, "own": 200, "other": 200},
        "viewer": {"home": 200, "dashboard": 200, "own": 200, "other": 200},
        "officer": {"home": 200, "dashboard": 404, "own": 200, "other": 404},
        "elsewhere": {"home": 200, "dashboard": 404, "own": 404, "other": 404},
        "interviewer": {"home": 403, "dashboard": 404, "own": 404, "other": 404},
    }
    for who, row in expected.items():
        got = {name: status(client, people[who], url) for name, url in pages.items()}
        assert got == row, who
    assert status(client, None, pages["dashboard"]) == 302  # to the sign-in page


def test_a_unit_officer_cannot_export_another_units_report(client, people, run, wards, departments):
    from hailong.reports.models import ExportJob

    url = f"/reports/runs/{run.pk}/exports/"
    officer = people["officer"]
    assert status(client, officer, url, "post", kind="pdf", unit=departments[2].pk) == 404
    assert status(client, officer, url, "post", kind="xlsx") == 404  # the campaign's workbook
    assert status(client, officer, url, "post", kind="csv") == 404
    assert not ExportJob.objects.exists()
    # Their own unit's PDF they may have; not its data files.
    assert status(client, officer, url, "post", kind="xlsx", unit=wards[0].pk) == 403
    assert status(client, officer, url, "post", kind="pdf", unit=wards[0].pk) == 302
    # A viewer sees the campaign's results but may not export all data (no data.export).
    assert status(client, people["viewer"], url, "post", kind="csv") == 403
    # Someone else's job of another unit is not found, nor its file.
    client.force_login(people["manager"])
    client.post(url, {"kind": "pdf", "unit": departments[2].pk})
    job = ExportJob.objects.get(unit=departments[2])
    assert status(client, officer, f"/reports/exports/{job.pk}/") == 404
    assert status(client, officer, f"/reports/exports/{job.pk}/file/") == 404


def test_comments_are_searchable_and_masked(client, people, run, wards):
    client.force_login(people["officer"])
    url = f"/reports/runs/{run.pk}/units/{wards[0].pk}/"
    html = client.get(url).content.decode()
    assert "[đã ẩn số điện thoại]" in html and "[đã ẩn e-mail]" in html
    assert "0905 123 456" not in html and "an.nguyen@example.vn" not in html
    html = client.get(url, {"q": "chờ đợi"}).content.decode()
    assert "Thời gian chờ đợi còn lâu." in html
    assert "Cán bộ hướng dẫn tận tình" not in html
    assert "1 phiếu có ý kiến." in html or "phiếu có ý kiến" in html


def test_contact_data_never_shows(client, people, run, wards):
    from hailong.collection.models import Response, ResponseContact

    response = Response.objects.filter(campaign=run.campaign, unit=wards[0], status="approved").first()
    ResponseContact.objects.create(
        response=response, name="Nguyễn Văn Bí Mật", phone="0912345678", email="bimat@example.vn"
    )
    client.force_login(people["manager"])
    html = client.get(f"/reports/runs/{run.pk}/units/{wards[0].pk}/").content.decode()
    assert "Bí Mật" not in html and "0912345678" not in html and "bimat@" not in html


def test_mask_personal():
    from hailong.reports.selectors import mask_personal

    assert mask_personal("gọi 0905.123.456 nhé") == "gọi [đã ẩn số điện thoại] nhé"
    assert mask_personal("số +84 905 123 456") == "số [đã ẩn số điện thoại]"
    assert mask_personal("thư a.b@so.danang.gov.vn") == "thư [đã ẩn e-mail]"
    assert mask_personal("năm 2026, 3 lần") == "năm 2026, 3 lần"


def test_dashboard_queries_are_bounded(client, people, run, django_assert_max_num_queries):
    client.force_login(people["viewer"])
    client.get(f"/reports/runs/{run.pk}/")  # fills the per-run cache
    # Another group: its figures, trend and heatmap are read once — a fixed number of queries
    # whatever the number of units.
    with django_assert_max_num_queries(14):
        assert client.get(f"/reports/runs/{run.pk}/", {"group": "commune"}).status_code == 200
    # Seen before: only the session, the user, the grants, the run and the user's export jobs.
    with django_assert_max_num_queries(8):
        assert client.get(f"/reports/runs/{run.pk}/", {"group": "commune"}).status_code == 200


def test_vega_bundle_is_served_from_the_wheel(client):
    import vl_convert

    response = client.get(f"/reports/assets/vega-{vl_convert.__version__}.js", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "immutable" in response["Cache-Control"]
    import gzip

    assert b"vegaEmbed" in gzip.decompress(response.content)
    assert client.get("/reports/assets/vega-0.0.1.js").status_code == 302


def test_pages_in_english(client, people, run, wards):
    from django.conf import settings

    client.force_login(people["manager"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/reports/runs/{run.pk}/").content.decode()
    overall = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
    from django.utils import translation

    with translation.override("en"):
        assert "Whole campaign" in html and pct(overall.estimate) in html and "." in pct(overall.estimate)
    spec = spec_of(html, "criteria")
    assert spec["title"].startswith("Criteria")
    assert '"decimal": "."' in html.replace('":"', '": "') or '"decimal":"."' in html
    html = client.get(f"/reports/runs/{run.pk}/units/{wards[0].pk}/").content.decode()
    assert "Open comments" in html
