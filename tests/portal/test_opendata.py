"""``indices.opendata``: the rows of a run, as the staff exports use them (no suppression) and as
the portal does; the published ranks."""

import csv
import io
import json

import pytest

from hailong.indices.choices import DomainKind, FigureKind
from hailong.indices.models import ChoiceShareValue, EstimateValue
from hailong.indices.opendata import FIELD_NAMES, published_ranks, run_rows, write_csv, write_json

pytestmark = pytest.mark.django_db


def test_published_ranks_are_ranks_among_the_shown_units_with_ties_kept():
    ranked = [(1, "g", 1), (2, "g", 2), (3, "g", 2), (4, "g", 4), (5, "g", 5), (6, "h", 1), (7, "g", None)]
    assert published_ranks(ranked, hidden=set()) == {1: 1, 2: 2, 3: 2, 4: 4, 5: 5, 6: 1, 7: None}
    # The first unit hidden: everyone moves up one, the tie stays a tie.
    assert published_ranks(ranked, hidden={1}) == {1: None, 2: 1, 3: 1, 4: 3, 5: 4, 6: 1, 7: None}
    # One of the tied units hidden: the units below it move up by one.
    assert published_ranks(ranked, hidden={3}) == {1: 1, 2: 2, 3: None, 4: 3, 5: 4, 6: 1, 7: None}


def test_without_a_minimum_every_frozen_figure_and_rank_is_there(done_run):
    rows = list(run_rows(done_run))
    values = list(EstimateValue.objects.filter(run=done_run).select_related("unit"))
    assert len(rows) == len(values) + ChoiceShareValue.objects.filter(run=done_run).count()
    assert all(tuple(row) == FIELD_NAMES and not row["suppressed"] for row in rows)
    frozen = {
        v.unit.code: (v.estimate, v.ci_low, v.ci_high, v.rank, v.rank_groups)
        for v in values
        if v.domain == DomainKind.UNIT and v.kind == FigureKind.OVERALL
    }
    exported = {
        r["unit_code"]: (r["estimate"], r["ci_low"], r["ci_high"], r["rank"], r["rank_groups"])
        for r in rows
        if r["domain"] == "unit" and r["kind"] == "overall"
    }
    assert exported == frozen
    # Whole campaign first, then unit types, then units.
    domains = [r["domain"] for r in rows if r["kind"] != "choice_share"]
    assert domains == sorted(domains, key=["overall", "unit_type", "unit", "breakdown"].index)


def test_a_minimum_blanks_small_cells_and_whole_small_units(done_run, small_unit):
    rows = list(run_rows(done_run, min_respondents=30))
    small = [r for r in rows if r["unit_code"] == small_unit.code]
    assert small and all(r["suppressed"] and r["estimate"] is None and r["rank"] is None for r in small)
    assert all(r["n"] > 0 for r in small), "the respondent count is kept"
    assert all(r["suppressed"] == (r["n"] < 30 or r["unit_code"] == small_unit.code) for r in rows)


def test_writers_stream_csv_and_json_in_the_language_asked(done_run):
    out = io.StringIO()
    write_csv(done_run, out, language="en")
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows and rows[0]["campaign"] == done_run.campaign.code
    groups = {r["ranking_group_label"] for r in rows if r["ranking_group"] == "department"}
    assert groups == {"Provincial departments"}
    out = io.StringIO()
    write_json(done_run, out, min_respondents=30, language="vi", metadata={"licence": "CC BY 4.0"})
    data = json.loads(out.getvalue())
    assert data["licence"] == "CC BY 4.0" and data["language"] == "vi"
    assert len(data["rows"]) == len(rows)
    assert {r["ranking_group_label"] for r in data["rows"] if r["ranking_group"] == "department"} == {
        "Sở, ban, ngành"
    }
