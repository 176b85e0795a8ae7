import csv
import io
from collections import Counter
from datetime import date

import pytest
from django.core.management import call_command

from hailong.units.choices import COMMUNE_TYPES, PROVINCIAL_TYPES, LineageKind
from hailong.units.models import Unit, UnitLineage
from hailong.units.selectors import unit_predecessors
from hailong.units.services import registry_load

pytestmark = pytest.mark.django_db


def export(*args) -> list[dict[str, str]]:
    out = io.StringIO()
    call_command("units", "export", *args, stdout=out)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def count_levels(rows) -> Counter:
    levels = Counter()
    for row in rows:
        if row["type"] in PROVINCIAL_TYPES:
            levels["province"] += 1
        elif row["type"] in COMMUNE_TYPES:
            levels["commune"] += 1
        else:
            levels[row["type"]] += 1
    return levels


def test_export_as_of_reform_day_lists_34_provinces_and_3321_communes(registry):
    rows = export("--as-of", "2025-07-01")
    assert list(rows[0]) == ["code", "name", "type", "parent_code", "valid_from", "valid_to"]
    levels = count_levels(rows)
    assert levels["province"] == 34
    assert levels["commune"] == 3321
    # No district level any more.
    assert not {"rural_district", "urban_district", "town", "provincial_city"} & set(levels)


def test_export_the_day_before_lists_63_provinces_with_their_districts(registry):
    levels = count_levels(export("--as-of", "2025-06-30"))
    assert levels["province"] == 63
    assert levels["commune"] == 10035
    assert (
        levels["rural_district"] + levels["urban_district"] + levels["town"] + levels["provincial_city"]
        == 696
    )


def test_export_rows_name_their_parent_by_code(registry):
    rows = export("--as-of", "2025-07-01")
    hai_chau = next(r for r in rows if r["code"] == "20242")
    assert hai_chau == {
        "code": "20242",
        "name": "Phường Hải Châu",
        "type": "ward",
        "parent_code": "48",
        "valid_from": "2025-07-01",
        "valid_to": "",
    }
    codes_on_day = Counter(r["code"] for r in rows)
    assert max(codes_on_day.values()) == 1, "a code names one unit on any given day"


def test_every_2025_province_reaches_its_predecessors(registry):
    new_provinces = Unit.objects.valid_on(date(2025, 7, 1)).filter(type__in=PROVINCIAL_TYPES)
    reached = set()
    for province in new_provinces:
        steps = unit_predecessors(province, as_of=date(2025, 6, 30))
        assert steps, province
        assert all(s.unit.type in PROVINCIAL_TYPES and s.unit.is_valid_on(date(2025, 6, 30)) for s in steps)
        reached |= {s.unit.pk for s in steps}
    old_provinces = Unit.objects.valid_on(date(2025, 6, 30)).filter(type__in=PROVINCIAL_TYPES)
    assert reached == set(old_provinces.values_list("pk", flat=True)), "every old province leads to a new one"


def test_merged_province_lineage_da_nang(unit):
    da_nang = unit("48")
    names = sorted(s.unit.name for s in unit_predecessors(da_nang, as_of=date(2025, 6, 30)))
    assert names == ["Thành phố Đà Nẵng", "Tỉnh Quảng Nam"]
    unchanged = unit("01")  # Hà Nội was not merged: one unit spans both periods
    assert unchanged.valid_from is None and unchanged.valid_to is None
    assert [s.unit for s in unit_predecessors(unchanged, as_of=date(2025, 6, 30))] == [unchanged]


def test_split_commune_shares_sum_to_one(registry):
    split = UnitLineage.objects.filter(kind=LineageKind.SPLIT).values_list("predecessor_id", "share")
    totals = Counter()
    for predecessor, share in split:
        totals[predecessor] += share
    assert totals, "the registry records split communes"
    assert all(abs(total - 1) < 0.00001 for total in totals.values())


def test_legacy_communes_all_lead_somewhere(registry):
    legacy = Unit.objects.filter(valid_to=date(2025, 6, 30), type__in=COMMUNE_TYPES)
    without_successor = legacy.exclude(successor_links__isnull=False)
    assert legacy.count() == 10035
    assert without_successor.count() == 0


def test_reloading_changes_nothing(registry):
    before = Unit.objects.count(), UnitLineage.objects.count()
    result = registry_load()
    assert (result.created, result.updated, result.links_created, result.links_updated) == (0, 0, 0, 0)
    assert (Unit.objects.count(), UnitLineage.objects.count()) == before


def test_paths_follow_parents(registry):
    for unit in Unit.objects.select_related("parent").filter(code__in=["VN", "48", "20242", "01", "001"]):
        expected = f"{unit.parent.path}{unit.pk}/" if unit.parent else f"/{unit.pk}/"
        assert unit.path == expected
        assert unit.depth == unit.path.count("/") - 2


def test_province_only_registry_is_a_consistent_subset():
    from hailong.units.registry import read_registry

    small = read_registry().restricted_to({"48"})
    keys = {u.key for u in small.units}
    assert all(u.parent_key is None or u.parent_key in keys for u in small.units)
    provinces = sorted(u.name for u in small.units if u.type in PROVINCIAL_TYPES)
    assert provinces == ["Thành phố Đà Nẵng", "Thành phố Đà Nẵng", "Tỉnh Quảng Nam"]
    assert sum(1 for u in small.units if u.type in COMMUNE_TYPES and u.valid_from) == 94
