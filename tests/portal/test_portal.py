"""The public portal: only live publications, small cells suppressed, the frozen numbers, light pages."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from hailong.indices.choices import DomainKind, FigureKind
from hailong.indices.models import ChoiceShareValue, EstimateValue
from hailong.indices.opendata import FIELD_NAMES
from hailong.indices.publication import publication_withdraw, run_publish
from hailong.indices.services import run_create, run_execute
from hailong.indices.templatetags.indices import share

pytestmark = pytest.mark.django_db


def urls(campaign, unit_code="20242"):
    code = campaign.code
    return {
        "home": reverse("portal:home"),
        "campaign": reverse("portal:campaign", args=[code]),
        "unit": reverse("portal:unit", args=[code, unit_code]),
        "csv": reverse("portal:opendata", args=[code, "csv"]),
        "json": reverse("portal:opendata", args=[code, "json"]),
    }


def body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8")
    return response.content.decode()


def test_urls_are_public_vietnamese_paths(portal_data):
    assert reverse("portal:home") == "/cong-khai/"
    assert reverse("portal:methodology") == "/cong-khai/phuong-phap/"
    assert reverse("portal:unit", args=["tiny-2026", "48.T1"]) == "/cong-khai/tiny-2026/don-vi/48.T1/"
    assert reverse("portal:opendata", args=["tiny-2026", "csv"]) == "/cong-khai/tiny-2026/du-lieu.csv"


def test_nothing_unpublished_is_visible(client, done_run, people, portal_data):
    # A done run that is not published: no page, no data, not listed.
    paths = urls(portal_data)
    assert portal_data.code not in body(client.get(paths["home"]))
    for name in ("campaign", "unit", "csv", "json"):
        assert client.get(paths[name]).status_code == 404, name
    # Published: everything answers.
    publication = run_publish(run=done_run, actor=people["manager"])
    assert str(portal_data) in body(client.get(paths["home"]))
    for name in ("campaign", "unit", "csv", "json"):
        assert client.get(paths[name]).status_code == 200, name
    # Withdrawn: gone again, everywhere.
    publication_withdraw(publication=publication, actor=people["manager"], reason="Rà soát")
    assert str(portal_data) not in body(client.get(paths["home"]))
    for name in ("campaign", "unit", "csv", "json"):
        assert client.get(paths[name]).status_code == 404, name


def test_a_non_official_live_publication_is_still_not_shown(client, published, portal_data):
    # Whatever slips past the service (a row edited by hand), the portal reads only official runs.
    type(published.run).objects.filter(pk=published.run_id).update(official=False)
    for name in ("campaign", "unit", "csv", "json"):
        assert client.get(urls(portal_data)[name]).status_code == 404, name
    assert portal_data.code not in body(client.get(reverse("portal:home")))


def test_only_the_live_run_is_shown_when_another_replaces_it(client, published, people, portal_data):
    newer = run_execute(run=run_create(campaign=portal_data, enqueue=False, level=0.9))
    run_publish(run=newer, actor=people["manager"])
    page = body(client.get(urls(portal_data)["campaign"]))
    assert f"#{newer.pk}" in page and f"#{published.run_id} " not in page
    data = json.loads(body(client.get(urls(portal_data)["json"])))
    assert data["run"]["id"] == newer.pk and {row["run"] for row in data["rows"]} == {newer.pk}


def test_campaign_page_shows_the_frozen_figures_and_leaves_small_units_out(client, published, small_unit):
    run = published.run
    page = body(client.get(urls(run.campaign)["campaign"]))
    assert '<html lang="vi">' in page
    overall = EstimateValue.objects.get(run=run, domain=DomainKind.OVERALL, kind=FigureKind.OVERALL)
    assert share(overall.estimate) in page and share(overall.ci_low) in page
    units = EstimateValue.objects.filter(
        run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL
    ).select_related("unit")
    shown = [v for v in units if v.unit_id != small_unit.pk]
    assert len(shown) == 5
    for v in shown:
        assert v.n >= 30
        row = re.search(
            rf'<tr><td class="num">(\d+)</td><th scope="row"><a href="[^"]+/{re.escape(v.unit.code)}/">', page
        )
        assert row, v.unit.name
        assert share(v.estimate) in page and share(v.ci_low, 1) in page and share(v.ci_high, 1) in page
    # The small ward (12 respondents, and the best index of all) has no figure and no rank.
    small = next(v for v in units if v.unit_id == small_unit.pk)
    assert small.n < 30 and small.rank is not None
    assert f"/don-vi/{small_unit.code}/" not in page
    assert share(small.estimate) not in page
    assert "Không xếp hạng" in page and small_unit.name in page
    # Ranks are among the published units: the wards that follow the small one move up (1, 2).
    ward_ranks = sorted(
        int(m)
        for m in re.findall(
            r'<tr><td class="num">(\d+)</td><th scope="row"><a href="[^"]+/don-vi/2\d+/">', page
        )
    )
    assert ward_ranks == [1, 2]


def test_unit_page_shows_the_unit_against_the_average_with_its_flags(client, published, departments):
    run = published.run
    worst = departments[2]
    page = body(client.get(urls(run.campaign, worst.code)["unit"]))
    mine = {
        (v.kind, v.code): v for v in EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT, unit=worst)
    }
    whole = {(v.kind, v.code): v for v in EstimateValue.objects.filter(run=run, domain=DomainKind.OVERALL)}
    overall = mine[(FigureKind.OVERALL, "")]
    assert share(overall.estimate) in page and share(whole[(FigureKind.OVERALL, "")].estimate) in page
    assert overall.gap_flag == "below" and "thấp hơn mức chung có ý nghĩa thống kê" in page
    for key, v in mine.items():
        if key[0] in (FigureKind.NODE, FigureKind.ITEM) and v.measure != "perception":
            assert share(v.estimate) in page, key
    assert "3 / 3" in page or "3 trên 3" in page  # the worst of three departments
    # What respondents want improved first: the unit's choice shares, most chosen first.
    wants = list(
        ChoiceShareValue.objects.filter(
            run=run, domain=DomainKind.UNIT, unit=worst, question="uu_tien"
        ).order_by("-estimate")
    )
    positions = [page.index(share(s.estimate)) for s in wants]
    assert positions == sorted(positions)


def test_the_page_of_a_suppressed_unit_shows_no_figure(client, published, small_unit):
    page = body(client.get(urls(published.campaign, small_unit.code)["unit"]))
    assert small_unit.name in page
    for v in EstimateValue.objects.filter(run=published.run, domain=DomainKind.UNIT, unit=small_unit):
        if v.estimate is not None:
            assert f">{share(v.estimate)}<" not in page
    assert "Hạng" not in page
    assert client.get(reverse("portal:unit", args=[published.campaign.code, "99999"])).status_code == 404


def test_open_data_equals_the_frozen_rows_with_small_cells_blank(client, published, small_unit):
    run = published.run
    response = client.get(urls(run.campaign)["csv"])
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = body(response)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert tuple(rows[0].keys()) == FIELD_NAMES
    values = EstimateValue.objects.filter(run=run).select_related("unit")
    shares = ChoiceShareValue.objects.filter(run=run)
    assert len(rows) == values.count() + shares.count()
    by_key = {
        (
            r["domain"],
            r["unit_code"],
            r["ranking_group"],
            r["breakdown"],
            r["category"],
            r["kind"],
            r["code"],
        ): r
        for r in rows
        if r["kind"] != "choice_share"
    }
    for v in values:
        key = (
            v.domain,
            v.unit.code if v.unit_id else "",
            v.unit_type,
            v.breakdown,
            v.category,
            v.kind,
            v.code,
        )
        row = by_key[key]
        assert int(row["n"]) == v.n
        if v.unit_id == small_unit.pk or v.n < published.min_respondents:
            assert row["suppressed"] == "true"
            assert row["estimate"] == row["se"] == row["ci_low"] == row["ci_high"] == row["rank"] == ""
        else:
            assert row["suppressed"] == "false"
            for name in ("estimate", "se", "ci_low", "ci_high", "gap", "gap_se"):
                stored = getattr(v, name)
                assert (float(row[name]) if row[name] else None) == stored, (name, v)
    small_rows = [r for r in rows if r["unit_code"] == small_unit.code]
    assert small_rows and all(r["suppressed"] == "true" and r["estimate"] == "" for r in small_rows)

    data = json.loads(body(client.get(urls(run.campaign)["json"])))
    assert [f["name"] for f in data["fields"]] == list(FIELD_NAMES)
    assert (
        data["min_respondents"] == published.min_respondents and data["campaign"]["code"] == run.campaign.code
    )
    assert data["run"]["inputs_fingerprint"] == run.inputs_fingerprint
    assert len(data["rows"]) == len(rows)
    overall = next(r for r in data["rows"] if r["domain"] == "overall" and r["kind"] == "overall")
    stored = EstimateValue.objects.get(run=run, domain=DomainKind.OVERALL, kind=FigureKind.OVERALL)
    assert (overall["estimate"], overall["ci_low"], overall["ci_high"]) == (
        stored.estimate,
        stored.ci_low,
        stored.ci_high,
    )
    ranked = [r for r in data["rows"] if r["domain"] == "unit" and r["kind"] == "overall"]
    assert {r["unit_code"]: r["rank"] for r in ranked if r["unit_code"] == small_unit.code} == {
        small_unit.code: None
    }
    assert sorted(r["rank"] for r in ranked if r["ranking_group"] == "commune" and r["rank"]) == [1, 2]


def test_methodology_page_explains_in_vietnamese_with_the_data_dictionary(client, settings):
    settings.HAILONG_PUBLISH_MIN_RESPONDENTS = 30
    page = body(client.get(reverse("portal:methodology")))
    assert '<html lang="vi">' in page
    assert "khoảng tin cậy" in page.lower() and "30" in page
    for name in FIELD_NAMES:
        assert f"<code>{name}</code>" in page


def test_pages_are_cacheable_and_the_number_of_queries_is_bounded(
    client, published, departments, django_assert_max_num_queries
):
    paths = urls(published.campaign, departments[0].code)
    for name, limit in (("home", 2), ("campaign", 12), ("unit", 12), ("json", 12), ("csv", 12)):
        with django_assert_max_num_queries(limit):
            response = client.get(paths[name])
            body(response)
        assert response.status_code == 200
        assert "public" in response["Cache-Control"] and "max-age=" in response["Cache-Control"], name
        assert "Cookie" in response["Vary"], name
    with django_assert_max_num_queries(1):
        client.get(reverse("portal:methodology"))
    assert client.head(paths["campaign"]).status_code == 200
    assert client.post(paths["campaign"]).status_code == 405
    # No script on the pages, nor a form token: nothing to run, nothing per visitor.
    for name in ("home", "campaign", "unit"):
        page = body(client.get(paths[name]))
        assert "<script" not in page and "csrfmiddlewaretoken" not in page
        assert "Set-Cookie" not in str(client.get(paths[name]).headers)


def test_the_language_switch_is_a_link_and_redirects_only_here(client, published):
    response = client.get(
        reverse("portal:language"), {"lang": "en", "next": urls(published.campaign)["campaign"]}
    )
    assert response.status_code == 302 and response["Location"] == urls(published.campaign)["campaign"]
    page = body(client.get(urls(published.campaign)["campaign"]))
    assert '<html lang="en">' in page and "Overall satisfaction index" in page
    response = client.get(reverse("portal:language"), {"lang": "vi", "next": "https://example.com/"})
    assert response["Location"] == reverse("portal:home")
