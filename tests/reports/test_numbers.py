"""The numbers of every chart spec, page and export equal the frozen run's figures."""

import io
import json

import pytest

from hailong.indices.models import EstimateValue
from hailong.reports import charts, selectors

pytestmark = pytest.mark.django_db


def xl(value):
    return pytest.approx(value, rel=1e-15, abs=0)


def values(run, **filters):
    return list(EstimateValue.objects.filter(run=run, **filters))


def test_dashboard_chart_specs_carry_the_stored_figures(run):
    board = selectors.dashboard(run)
    assert board.group == "department"  # departments first
    ranking = charts.spec_values(board.charts["ranking"])
    stored = {
        v.unit.name: v
        for v in EstimateValue.objects.filter(
            run=run, domain="unit", kind="overall", unit_type="department"
        ).select_related("unit")
    }
    assert len(ranking) == len(stored) == 3
    for row in ranking:
        name = row["label"].split(". ", 1)[1]
        v = stored[name]
        assert (row["estimate"], row["ci_low"], row["ci_high"], row["n"]) == (
            v.estimate,
            v.ci_low,
            v.ci_high,
            v.n,
        )
        assert row["label"].startswith(f"{v.rank}. ")
    # In rank order, the best first.
    ranks = [int(row["label"].split(".")[0]) for row in ranking]
    assert ranks == sorted(ranks)
    # The dashed average line is the whole campaign's index.
    overall = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
    layers = board.charts["ranking"]["layer"]
    assert layers[-1]["data"]["values"][0]["average"] == overall.estimate

    criteria = {row["code"]: row for row in charts.spec_values(board.charts["criteria"])}
    elements = {v.code: v for v in values(run, domain="overall", kind="node", measure="element")}
    assert set(criteria) == set(elements) == {"E1", "E2"}
    for code, v in elements.items():
        assert (criteria[code]["estimate"], criteria[code]["ci_low"], criteria[code]["ci_high"]) == (
            v.estimate,
            v.ci_low,
            v.ci_high,
        )

    bins = charts.spec_values(board.charts["distribution"])
    assert len(bins) == 20 and sum(b["count"] for b in bins) == len(stored)
    for v in stored.values():
        (hit,) = [
            b
            for b in bins
            if b["bin_start"] <= v.estimate < b["bin_end"] or (v.estimate == 1 and b["bin_end"] == 1)
        ]
        assert hit["count"] >= 1
    for b in bins:
        assert b["count"] == sum(
            1
            for v in stored.values()
            if b["bin_start"] <= v.estimate < b["bin_end"] or (v.estimate == 1 == b["bin_end"])
        )

    heat = charts.spec_values(board.charts["heatmap"])
    cells = {
        (v.unit_id, v.code): v.estimate
        for v in values(run, domain="unit", kind="node", code__in=["E1", "E2"], unit_type="department")
    }
    assert len(heat) == len(cells) == 6
    assert sorted(row["estimate"] for row in heat) == sorted(cells.values())

    trend = charts.spec_values(board.charts["trend"])
    assert {(p["year"], p["estimate"]) for p in trend} >= {(2026, overall.estimate)}


def test_the_communes_and_a_breakdown(run):
    board = selectors.dashboard(run, group="commune", dimension="linh_vuc")
    assert {r.group for r in board.ranking} == {"commune"}
    assert board.dimension_available
    stored = {
        v.category: v
        for v in values(run, domain="breakdown", breakdown="linh_vuc", kind="overall", unit_type="")
    }
    rows = {row["category"]: row for row in charts.spec_values(board.charts["breakdown"])}
    assert set(rows) == set(stored) and stored
    for category, v in stored.items():
        assert rows[category]["estimate"] == v.estimate
    # One category chosen: the headline and the criteria are that category's.
    category = sorted(stored)[0]
    board = selectors.dashboard(run, group="commune", dimension="linh_vuc", category=category)
    assert board.overall["estimate"] == stored[category].estimate
    assert category in board.scope_label or "Lĩnh vực" in board.scope_label


def test_a_missing_breakdown_is_said_to_be_missing(client, people, run):
    board = selectors.dashboard(run, dimension="doi_tuong")  # the form asks no applicant type
    assert not board.dimension_available and board.categories == []
    client.force_login(people["viewer"])
    html = client.get(f"/reports/runs/{run.pk}/", {"breakdown": "doi_tuong"}).content.decode()
    assert "không có trong đợt ước lượng này" in html


def test_scorecard_figures_and_charts(run, wards):
    unit = wards[0]
    card = selectors.scorecard(run, unit)
    mine = {(v.kind, v.code): v for v in values(run, domain="unit", unit=unit)}
    whole = {(v.kind, v.code): v for v in values(run, domain="overall")}
    assert card.row.estimate == mine[("overall", "")].estimate
    for line in card.criteria + card.items:
        v = mine[(line["kind"], line["code"])]
        assert (line["estimate"], line["gap"], line["flag"]) == (v.estimate, v.gap, v.gap_flag)
        assert line["average"] == whole[(line["kind"], line["code"])].estimate
    chart = {row["code"]: row for row in charts.spec_values(card.charts["criteria"])}
    for code in ("E1", "E2"):
        assert chart[code]["estimate"] == mine[("node", code)].estimate
        assert chart[code]["average"] == whole[("node", code)].estimate
    drivers = {row["code"]: row["estimate"] for row in charts.spec_values(card.charts["drivers"])}
    assert drivers == {
        code: v.estimate for (kind, code), v in mine.items() if kind == "driver" and v.estimate is not None
    }
    # Peers: the units of the same type sharing a group letter.
    own = set(mine[("overall", "")].rank_groups)
    expected = {
        v.unit_id
        for v in values(run, domain="unit", kind="overall", unit_type="commune")
        if v.unit_id != unit.pk and own & set(v.rank_groups)
    }
    assert {p.unit_id for p in card.peers} == expected
    # What respondents want improved first: the expectation question's shares, largest first.
    assert [b.question for b in card.expectations] == ["kenh_y_kien", "uu_tien"] or [
        b.question for b in card.expectations
    ] == ["uu_tien", "kenh_y_kien"]
    for block in card.expectations:
        estimates = [share.estimate for share, _label in block.rows]
        assert estimates == sorted(estimates, reverse=True)


def test_xlsx_cells_equal_the_figures(run):
    import openpyxl

    from hailong.reports.exports import xlsx_build

    path = io.BytesIO()
    xlsx_build(run, path)
    workbook = openpyxl.load_workbook(io.BytesIO(path.getvalue()))
    assert workbook.sheetnames[:3] == ["Thông tin", "Toàn đợt khảo sát", "Loại đơn vị"]
    assert "Sở, ban, ngành cấp tỉnh" in workbook.sheetnames or any("Sở" in n for n in workbook.sheetnames)
    whole = workbook["Toàn đợt khảo sát"]
    overall = EstimateValue.objects.get(run=run, domain="overall", kind="overall")
    header = [c.value for c in whole[1]]
    assert header[:4] == ["Loại", "Mã", "Tên", "Chỉ số"]
    first = whole[2]
    assert first[3].value == xl(overall.estimate) and first[3].number_format == "0.00%"
    # Each unit sheet: one row per unit with its rank, index and bounds.
    unit_values = {
        v.unit.code: v
        for v in EstimateValue.objects.filter(run=run, domain="unit", kind="overall").select_related("unit")
    }
    seen = 0
    for sheet in workbook.worksheets[3:]:
        for row in sheet.iter_rows(min_row=2):
            v = unit_values[row[1].value]
            assert row[0].value == v.rank
            assert row[2].value == v.unit.name
            # openpyxl writes 16 significant digits (Excel keeps 15): equal at the workbook's precision.
            assert (row[3].value, row[4].value, row[5].value) == xl((v.estimate, v.ci_low, v.ci_high))
            assert row[3].number_format == "0.00%"
            assert row[9].value == v.n
            e1 = EstimateValue.objects.get(run=run, domain="unit", unit=v.unit, kind="node", code="E1")
            assert row[10].value == xl(e1.estimate)
            seen += 1
    assert seen == len(unit_values) == 6


def test_csv_and_json_are_every_figure(run, tmp_path):
    from hailong.reports.exports import data_build

    data_build(run, tmp_path / "f.csv", kind="csv")
    data_build(run, tmp_path / "f.json", kind="json")
    text = (tmp_path / "f.csv").read_text(encoding="utf-8-sig")
    assert (
        len(text.strip().splitlines()) - 1
        == EstimateValue.objects.filter(run=run).count() + run.choice_shares.count()
    )
    document = json.loads((tmp_path / "f.json").read_text(encoding="utf-8"))
    overall = next(r for r in document["rows"] if r["domain"] == "overall" and r["kind"] == "overall")
    assert (
        overall["estimate"] == EstimateValue.objects.get(run=run, domain="overall", kind="overall").estimate
    )
    assert not any(r["suppressed"] for r in document["rows"])


def test_svg_of_a_chart_keeps_vietnamese_text_and_format(run, wards):
    card = selectors.scorecard(run, wards[0])
    svg = charts.to_svg(card.charts["criteria"])
    assert svg.startswith("<svg") and wards[0].name in svg
    assert "So với trung bình" in svg  # the legend, in Vietnamese
    assert "50%" in svg


@pytest.fixture
def earlier_run(report_campaign, departments, wards):
    from datetime import date

    import numpy as np

    from hailong.campaigns.services import campaign_create, campaign_set_units
    from hailong.indices.services import run_create, run_execute
    from tests.indices.conftest import add_responses, tiny_answers

    earlier = campaign_create(
        code="reports-2025",
        name={"vi": "Khảo sát báo cáo 2025"},
        year=2025,
        version=report_campaign.version,
        organiser=report_campaign.organiser,
        starts_on=date(2025, 1, 1),
        ends_on=date(2025, 12, 31),
    )
    campaign_set_units(campaign=earlier, targets=dict.fromkeys([*departments, *wards]))
    rng = np.random.default_rng(5)
    for unit in [*departments, *wards]:
        add_responses(earlier, unit, tiny_answers(rng, 30, 3.5))
    return run_execute(run=run_create(campaign=earlier, enqueue=False))


def test_change_since_last_year_and_the_trend(run, earlier_run, wards):
    assert earlier_run.status == "done"
    card = selectors.scorecard(run, wards[0])
    assert card.baseline == earlier_run
    now = EstimateValue.objects.get(run=run, domain="unit", unit=wards[0], kind="overall")
    before = EstimateValue.objects.get(run=earlier_run, domain="unit", unit=wards[0], kind="overall")
    assert card.change.difference == pytest.approx(now.estimate - before.estimate, abs=1e-12)
    for line in card.criteria:
        was = EstimateValue.objects.get(
            run=earlier_run, domain="unit", unit=wards[0], kind="node", code=line["code"]
        )
        assert line["change"] == pytest.approx(line["estimate"] - was.estimate, abs=1e-12)
    # No comparison when asked.
    assert selectors.scorecard(run, wards[0], baseline_id="none").change is None
    trend = charts.spec_values(selectors.dashboard(run).charts["trend"])
    whole = {
        r.campaign.year: EstimateValue.objects.get(run=r, domain="overall", kind="overall").estimate
        for r in (run, earlier_run)
    }
    assert {p["year"]: p["estimate"] for p in trend if p["series"] == "Toàn đợt khảo sát"} == whole
