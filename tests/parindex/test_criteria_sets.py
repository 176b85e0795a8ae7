"""Criteria sets as data: the built-in sets add up, XLSX round trip, bad files refused with the row named."""

import io

import pytest
from openpyxl import Workbook

from hailong.core.messages import bilingual
from hailong.parindex.builtin import BUILTIN
from hailong.parindex.definition import DefinitionError, check
from hailong.parindex.models import CriteriaSet
from hailong.parindex.services import criteria_set_builtin, criteria_set_import, criteria_set_xlsx

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", sorted(BUILTIN))
def test_builtin_sets_add_up_to_100(key):
    rows = BUILTIN[key][3]()
    check(rows)  # raises if not
    assert round(sum(r.max_points for r in rows if "." not in r.code), 2) == 100


def test_876_structures_keep_confirmed_counts_and_mark_unconfirmed_maxima():
    ministry = criteria_set_builtin(key="876-ministry", year=2026)
    assert ministry.criteria.count() == 7
    assert all(c.unconfirmed for c in ministry.criteria.all())
    assert "6 tiêu chí thành phần" in ministry.criteria.get(code="1").evidence
    province = criteria_set_builtin(key="2948-province", year=2019)
    assert province.criteria.get(code="8").max_points == 15.5
    assert not province.criteria.filter(unconfirmed=True).exists()


def _xlsx(rows, header=("Mã", "Nội dung", "Điểm tối đa", "Phương pháp chấm", "Cấu hình")) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    workbook.save(out)
    out.seek(0)
    return out


def test_export_then_import_gives_the_same_tree(demo_set, par_people):
    data = criteria_set_xlsx(demo_set)
    again = criteria_set_import(
        upload=io.BytesIO(data),
        filename="bo-tieu-chi.xlsx",
        name="Nhập lại",
        year=2026,
        unit_kind="department",
        actor=par_people["manager"],
    )
    assert again.version == demo_set.version + 1

    def shape(s: CriteriaSet):
        return [
            (c.code, c.name, c.max_points, c.method, c.config, c.penalties, c.evidence)
            for c in s.criteria.order_by("order")
        ]

    assert shape(again) == shape(demo_set)


def test_points_that_do_not_add_up_are_refused_with_the_row(par_people):
    upload = _xlsx(
        [
            ("1", "Chỉ đạo điều hành", 60, "", ""),
            ("1.1", "Kế hoạch", 30, "chấm trực tiếp", ""),
            ("1.2", "Kiểm tra", 20, "tỷ lệ", "50=0,5; 100=1"),
            ("2", "Thủ tục hành chính", 40, "có/không", ""),
        ]
    )
    with pytest.raises(DefinitionError) as caught:
        criteria_set_import(
            upload=upload,
            filename="x.xlsx",
            name="x",
            year=2026,
            unit_kind="department",
            actor=par_people["manager"],
        )
    messages = [bilingual(e) for e in caught.value.errors]
    assert any("Dòng 2" in m and "1" in m and "50" in m for m in messages), messages
    assert not CriteriaSet.objects.filter(name="x").exists()


def test_a_missing_column_is_refused_naming_it(par_people):
    upload = _xlsx([("1", "Chỉ đạo", 100)], header=("Mã", "Nội dung", "Điểm tối đa"))
    with pytest.raises(DefinitionError) as caught:
        criteria_set_import(
            upload=upload,
            filename="x.xlsx",
            name="x",
            year=2026,
            unit_kind="department",
            actor=par_people["manager"],
        )
    assert [bilingual(e) for e in caught.value.errors] == [
        "Dòng 1: thiếu cột “phương pháp chấm”. / Row 1: the column “phương pháp chấm” is missing."
    ]


def test_a_bad_method_or_number_names_its_row(par_people):
    upload = _xlsx([("1", "Chỉ đạo", "nhiều", "chấm trực tiếp", ""), ("2", "Khác", 100, "bói toán", "")])
    with pytest.raises(DefinitionError) as caught:
        criteria_set_import(
            upload=upload,
            filename="x.xlsx",
            name="x",
            year=2026,
            unit_kind="department",
            actor=par_people["manager"],
        )
    text = " | ".join(bilingual(e) for e in caught.value.errors)
    assert "Row 2: the maximum points are not a number" in text
    assert "Row 3: unknown scoring method “bói toán”" in text


def test_only_managers_import(par_people):
    with pytest.raises(Exception, match="par.manage"):
        criteria_set_import(
            upload=_xlsx([]),
            filename="x.xlsx",
            name="x",
            year=2026,
            unit_kind="department",
            actor=par_people["officer"],
        )
