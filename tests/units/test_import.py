import io
import unicodedata
from datetime import date

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from hailong.audit.models import AuditAction, AuditEvent
from hailong.core.tabular import TableError, read_table
from hailong.units.imports import ImportRejected, units_import
from hailong.units.models import Unit

pytestmark = pytest.mark.django_db

GOOD_CSV = """code,name,type,parent_code,valid_from,valid_to,name_en
48.SNV,Sở Nội vụ,department,48,01/07/2025,,Department of Home Affairs
48.TTHCC,Trung tâm Phục vụ hành chính công,one_stop_office,48,2025-07-01,,
48.TTHCC.1,Điểm tiếp nhận Bưu điện,Điểm phục vụ,48.TTHCC,01/07/2025,,
"""


TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Encode as Windows-1258 software does: precomposed where the code page has the letter,
    otherwise the letter without its tone followed by a combining tone mark."""
    out = b""
    for char in text:
        try:
            out += char.encode("cp1258")
        except UnicodeEncodeError:
            decomposed = unicodedata.normalize("NFD", char)
            tones = "".join(c for c in decomposed if c in TONE_MARKS)
            base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
            out += base.encode("cp1258") + tones.encode("cp1258")
    return out


def write(tmp_path, name: str, text: str, encoding: str = "utf-8") -> "object":
    path = tmp_path / name
    path.write_bytes(to_cp1258(text) if encoding == "cp1258" else text.encode(encoding))
    return path


def test_csv_import_creates_units_under_their_parents(registry, tmp_path):
    result = units_import(table=read_table(write(tmp_path, "units.csv", GOOD_CSV)))
    assert len(result.created) == 3
    point = Unit.objects.get(code="48.TTHCC.1")
    assert point.type == "service_point"  # the Vietnamese word in the file was understood
    assert point.parent.code == "48.TTHCC"
    assert point.parent.parent.code == "48" and point.parent.parent.valid_from == date(2025, 7, 1)
    assert point.path.startswith(point.parent.parent.path)
    assert Unit.objects.get(code="48.SNV").name_en == "Department of Home Affairs"
    event = AuditEvent.objects.filter(action=AuditAction.UNITS_IMPORTED).latest("id")
    assert event.details["created"] == 3


def test_importing_the_same_file_again_changes_nothing(registry, tmp_path):
    path = write(tmp_path, "units.csv", GOOD_CSV)
    units_import(table=read_table(path))
    again = units_import(table=read_table(path))
    assert (len(again.created), len(again.updated), again.unchanged) == (0, 0, 3)


def test_a_changed_row_updates_the_unit(registry, tmp_path):
    units_import(table=read_table(write(tmp_path, "units.csv", GOOD_CSV)))
    changed = GOOD_CSV.replace("Sở Nội vụ,", "Sở Nội vụ thành phố,")
    result = units_import(table=read_table(write(tmp_path, "units2.csv", changed)))
    assert [u.code for u in result.updated] == ["48.SNV"]
    assert Unit.objects.get(code="48.SNV").name == "Sở Nội vụ thành phố"


def test_bad_rows_are_reported_by_row_and_column_and_nothing_is_imported(registry, tmp_path):
    bad = """code,name,type,parent_code,valid_from,valid_to
48.SNV,Sở Nội vụ,department,48,01/07/2025,
48.STP,Sở Tư pháp,phòng ban,48,01/07/2025,
,Sở Y tế,department,48,01/07/2025,
48.SXD,Sở Xây dựng,department,99999,01/07/2025,
48.SCT,Sở Công Thương,department,48,31/02/2025,
48.SYT,Sở Y tế,department,48,01/07/2025,01/01/2025
"""
    with pytest.raises(ImportRejected) as caught:
        units_import(table=read_table(write(tmp_path, "don_vi.csv", bad)))
    messages = caught.value.messages()
    assert len(messages) == 5
    assert messages[0].startswith(
        "Tệp don_vi.csv, dòng 3, cột C (type) / File don_vi.csv, row 3, column C (type): "
    )
    assert (
        "Loại đơn vị “phòng ban” không hợp lệ" in messages[0]
        and "Unknown unit type “phòng ban”" in messages[0]
    )
    assert "dòng 4, cột A (code)" in messages[1]
    assert "dòng 5, cột D (parent_code)" in messages[2] and "99999" in messages[2]
    assert "dòng 6, cột E (valid_from)" in messages[3] and "31/02/2025" in messages[3]
    assert "dòng 7, cột F (valid_to)" in messages[4]
    assert not Unit.objects.filter(code__startswith="48.S").exists(), "nothing half-imported"


def test_a_problem_found_while_writing_rolls_back_earlier_rows(registry, tmp_path):
    # Row 2 is fine and gets written; row 3 clashes with a registry code: row 2 must be undone too.
    text = """code,name,type,parent_code,valid_from,valid_to
48.SNV,Sở Nội vụ,department,48,01/07/2025,
20242,Phường giả,department,48,01/07/2025,
"""
    with pytest.raises(ImportRejected) as caught:
        units_import(table=read_table(write(tmp_path, "units.csv", text)))
    assert "row 3, column A (code)" in caught.value.messages()[0]
    assert "official registry" in caught.value.messages()[0]
    assert not Unit.objects.filter(code="48.SNV").exists()


def test_a_unit_type_that_cannot_sit_under_its_parent_is_refused(registry, tmp_path):
    text = "code,name,type,parent_code\nX1,Sở lạ,department,20242\n"
    with pytest.raises(ImportRejected) as caught:
        units_import(table=read_table(write(tmp_path, "units.csv", text)), today=date(2025, 8, 1))
    assert "row 2, column D (parent_code)" in caught.value.messages()[0]


def test_missing_columns_are_named(registry, tmp_path):
    with pytest.raises(ImportRejected) as caught:
        units_import(table=read_table(write(tmp_path, "units.csv", "ma,ten\n1,a\n")))
    assert "code, name, type, parent_code" in caught.value.messages()[0]


def test_xlsx_with_excel_dates_and_numeric_codes(registry, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["code", "name", "type", "parent_code", "valid_from", "valid_to"])
    sheet.append([4801, "Sở Y tế", "Sở", 48, date(2025, 7, 1), None])
    path = tmp_path / "units.xlsx"
    workbook.save(path)
    result = units_import(table=read_table(path))
    created = result.created[0]
    assert (created.code, created.type, created.valid_from) == ("4801", "department", date(2025, 7, 1))


def test_xlsx_errors_name_the_column_letter(registry, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["name", "code", "type", "parent_code"])
    sheet.append(["Sở Y tế", "48.SYT", "khong-co", "48"])
    path = tmp_path / "units.xlsx"
    workbook.save(path)
    with pytest.raises(ImportRejected) as caught:
        units_import(table=read_table(path))
    assert "row 2, column C (type)" in caught.value.messages()[0]


def test_windows_1258_csv_is_read(registry, tmp_path):
    path = write(tmp_path, "cp1258.csv", GOOD_CSV, encoding="cp1258")
    result = units_import(table=read_table(path))
    assert Unit.objects.get(code="48.SNV").name == "Sở Nội vụ"
    assert len(result.created) == 3


def test_utf8_bom_and_semicolons(registry, tmp_path):
    text = "\ufeffcode;name;type;parent_code\n48.SNV;Sở Nội vụ;department;48\n"
    result = units_import(table=read_table(write(tmp_path, "units.csv", text)), today=date(2025, 9, 1))
    assert result.created[0].name == "Sở Nội vụ"


def test_a_file_that_is_not_a_table_is_refused_clearly(tmp_path):
    path = tmp_path / "units.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(TableError) as caught:
        read_table(path)
    assert "units.xlsx" in str(caught.value)


def test_command_line_import_reports_errors_and_fails(registry, tmp_path, capsys):
    path = write(tmp_path, "units.csv", "code,name,type,parent_code\n48.X,Sở X,nope,48\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 error"):
        call_command("units", "import", str(path), stderr=err)
    assert "dòng 2, cột C (type)" in err.getvalue()


def test_command_line_import_succeeds(registry, tmp_path):
    out = io.StringIO()
    call_command("units", "import", str(write(tmp_path, "units.csv", GOOD_CSV)), stdout=out)
    assert "3 created" in out.getvalue()


def test_web_import_checks_the_scope_of_every_row(client, make_user, unit, tmp_path):
    officer = make_user("survey_manager", unit("20242"))  # a ward's manager, not the city's
    client.force_login(officer)
    upload = io.BytesIO(GOOD_CSV.encode())
    upload.name = "units.csv"
    response = client.post("/units/import/", {"file": upload})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Không nhập đơn vị nào" in body or "Nothing was imported" in body
    assert not Unit.objects.filter(code="48.SNV").exists()
