"""Importing frames from real files: every fault named by row and column, nothing half-imported."""

import csv
import io
from datetime import date, datetime

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from hailong.sampling.choices import ApplicantType, FrameStatus
from hailong.sampling.imports import SeenCodes, detect_encoding, header_key, parse_date
from hailong.sampling.models import FrameContact, FrameRecord
from hailong.sampling.services import frame_create, frame_import
from tests.sampling.conftest import (
    HEADER_EN,
    HEADER_VI,
    csv_bytes,
    frame_rows,
    import_bytes,
    to_cp1258,
    to_tcvn3,
    to_vni,
)

pytestmark = pytest.mark.django_db


def problems(frame):
    """(row, column, English message) of the problems shown on the frame's page."""
    return [(p["row"], p["column"], p["message"]["en"]) for p in frame.errors_preview]


def report(frame):
    with frame.error_report.open("rb") as handle:
        return list(csv.reader(io.StringIO(handle.read().decode("utf-8-sig"))))


def assert_nothing_imported(frame):
    assert frame.status == FrameStatus.FAILED
    assert frame.rows_imported == 0
    assert FrameRecord.objects.filter(frame=frame).count() == 0
    assert FrameContact.objects.filter(record__frame=frame).count() == 0
    assert frame.error_report, "the problems can be downloaded"


def xlsx_bytes(rows, header=HEADER_VI):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------
# Files that are read


def test_a_frame_is_imported_with_personal_data_kept_apart(campaign, unit):
    rows = frame_rows(300)
    frame = frame_create(
        campaign=campaign, upload=SimpleUploadedFile("khung.csv", csv_bytes(rows)), enqueue=False
    )
    uploaded = frame.source_file.name
    assert default_storage.exists(uploaded)
    frame = frame_import(frame=frame)
    assert frame.status == FrameStatus.READY, problems(frame)
    assert (frame.rows_read, frame.rows_imported, frame.rows_rejected, frame.progress) == (300, 300, 0, 100)
    assert frame.encoding == "utf-8" and not frame.error_report
    first = FrameRecord.objects.get(frame=frame, dossier_code="HS-000001")
    assert first.unit == unit("20209") and first.row_number == 2
    assert first.procedure == rows[0][1] and first.procedure_field == rows[0][2]
    assert first.received_on == datetime.strptime(rows[0][4], "%d/%m/%Y").date()
    assert first.applicant_type in ApplicantType.values
    # Names, phones, e-mails and addresses only in the contacts table.
    record_fields = {f.name for f in FrameRecord._meta.get_fields()}
    assert not record_fields & {"name", "phone", "email", "address"}
    assert first.contact.name == rows[0][7] and first.contact.phone == rows[0][8]
    assert FrameContact.objects.filter(record__frame=frame).count() == 300
    # The upload (full of personal data) does not stay on disk once read.
    assert not frame.source_file and not default_storage.exists(uploaded)


def test_english_headers_semicolons_iso_dates_unit_names_and_vietnamese_words(campaign, unit):
    rows = [
        ["A-1", "Khai sinh", "Hộ tịch", "20242", "2026-03-01", "2026-03-05", "cá nhân", "An", "", "", ""],
        ["A-2", "Khai sinh", "Hộ tịch", "Phường Thanh Khê", "2026-03-01T08:30:00", "2026-03-02", "CÔNG DÂN", "", "", "", ""],
        ["A-3", "Đăng ký kinh doanh", "Kinh doanh", " 20242 ", "01-03-2026", "02.03.2026", "Doanh nghiệp", "", "", "", ""],
        ["A-4", "Đăng ký kinh doanh", "Kinh doanh", "20209", "01/03/2026 09:15", "02/03/2026", "tổ chức", "", "", "", ""],
    ]  # fmt: skip
    frame = import_bytes(campaign, csv_bytes(rows, HEADER_EN, delimiter=";"))
    assert frame.status == FrameStatus.READY, problems(frame)
    got = {r.dossier_code: r for r in FrameRecord.objects.filter(frame=frame)}
    assert got["A-2"].unit == unit("20209"), "the exact name of a unit is accepted"
    assert got["A-2"].received_on == date(2026, 3, 1)
    assert got["A-3"].unit == unit("20242") and got["A-3"].returned_on == date(2026, 3, 2)
    assert [got[c].applicant_type for c in ("A-1", "A-2", "A-3", "A-4")] == [
        "citizen",
        "citizen",
        "organisation",
        "organisation",
    ]


def test_windows_1258_file_is_read_with_its_diacritics(campaign):
    rows = frame_rows(40)
    frame = import_bytes(campaign, to_cp1258(csv_bytes(rows).decode()))
    assert frame.status == FrameStatus.READY, problems(frame)
    assert frame.encoding == "cp1258"
    names = dict(FrameContact.objects.filter(record__frame=frame).values_list("record__dossier_code", "name"))
    assert names["HS-000001"] == rows[0][7]
    fields = set(FrameRecord.objects.filter(frame=frame).values_list("procedure_field", flat=True))
    assert fields <= {"Hộ tịch", "Đất đai", "Xây dựng", "Chứng thực"}, "stored as NFC, like the rest"


@pytest.mark.parametrize(("encoding", "expected"), [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")])
def test_utf8_with_bom_and_utf16_are_read(campaign, encoding, expected):
    rows = frame_rows(20)
    frame = import_bytes(campaign, csv_bytes(rows, encoding=encoding))
    assert frame.status == FrameStatus.READY, problems(frame)
    assert frame.encoding == expected
    assert FrameRecord.objects.filter(frame=frame).count() == 20
    assert FrameRecord.objects.get(frame=frame, row_number=2).dossier_code == "HS-000001", (
        "the BOM is not in the code"
    )


def test_xlsx_with_date_cells_excel_serial_numbers_and_numeric_codes(campaign, unit):
    rows = [
        ["X-1", "Khai sinh", "Hộ tịch", 20242, datetime(2026, 2, 3, 10, 0), datetime(2026, 2, 9), "Công dân", "Lan", 905111222, None, None],
        ["X-2", "Khai sinh", "Hộ tịch", 20209, 46056, 46060.5, "Tổ chức", None, None, None, None],
        [1234, "Chứng thực", "Chứng thực", "20242", "03/02/2026", "46061", "cá nhân", None, None, None, None],
    ]  # fmt: skip
    frame = import_bytes(campaign, xlsx_bytes(rows), filename="khung.xlsx")
    assert frame.status == FrameStatus.READY, problems(frame)
    assert frame.encoding == "xlsx"
    got = {r.dossier_code: r for r in FrameRecord.objects.filter(frame=frame)}
    assert (got["X-1"].received_on, got["X-1"].returned_on) == (date(2026, 2, 3), date(2026, 2, 9))
    # Excel serial numbers: 46056 is 03/02/2026 (numbers in the sheet, digits in a text cell).
    assert (got["X-2"].received_on, got["X-2"].returned_on) == (date(2026, 2, 3), date(2026, 2, 7))
    assert got["1234"].returned_on == date(2026, 2, 8), "a code typed as a number is its digits"
    assert got["X-2"].unit == unit("20209")
    assert got["X-1"].contact.phone == "905111222"


def test_excel_serial_digits_in_a_csv(campaign):
    rows = frame_rows(2)
    rows[0][4], rows[0][5] = "46023", "46025"
    frame = import_bytes(campaign, csv_bytes(rows))
    assert frame.status == FrameStatus.READY, problems(frame)
    record = FrameRecord.objects.get(frame=frame, row_number=2)
    assert (record.received_on, record.returned_on) == (date(2026, 1, 1), date(2026, 1, 3))


def test_header_spellings_and_dates_are_understood():
    assert header_key("Ngày trả kết quả") == "ngay_tra_ket_qua"
    assert header_key("\ufeffMã Hồ Sơ ") == "ma_ho_so"
    assert header_key("Đơn vị giải quyết") == "don_vi_giai_quyet"
    assert parse_date("5/1/2026") == date(2026, 1, 5), "Vietnamese order: day first"
    assert parse_date(45658) == date(2025, 1, 1)
    assert parse_date("") is None
    with pytest.raises(ValueError, match="day is out of range"):
        parse_date("31/02/2026")


def test_dossier_codes_are_remembered_compactly_across_chunks():
    seen = SeenCodes()
    assert seen.check([b"a" * 16, b"b" * 16, b"a" * 16], [2, 3, 4]) == {2: 2}
    assert seen.check([b"c" * 16, b"b" * 16], [5, 6]) == {1: 3}
    for start in range(10, 200, 10):  # many chunks: the segments are merged, the first row stays
        seen.check([bytes([start]) * 16], [start])
    assert seen.check([b"b" * 16, b"q" * 16], [300, 301]) == {0: 3}


# ------------------------------------------------------------------------------------------------
# Faults: a clear message naming the row and the column, and nothing imported


def test_wrong_encoding_tcvn3_is_refused_with_the_way_out(campaign):
    frame = import_bytes(campaign, to_tcvn3(csv_bytes(frame_rows(30)).decode()))
    assert_nothing_imported(frame)
    [(row, column, message)] = problems(frame)
    assert "TCVN3" in message and "Unikey" in message and "Unicode" in message
    vi = frame.errors_preview[0]["message"]["vi"]
    assert "TCVN3" in vi and "Chuyển" in vi and "Unicode" in vi


def test_wrong_encoding_vni_is_refused_with_the_way_out(campaign):
    frame = import_bytes(campaign, to_vni(csv_bytes(frame_rows(30)).decode()))
    assert_nothing_imported(frame)
    [(_row, _column, message)] = problems(frame)
    assert "VNI" in message and "Unikey" in message


def test_an_unknown_encoding_is_refused(campaign):
    data = ",".join(HEADER_EN).encode() + (
        "\r\nHS-1,戶籍登記,戶籍,20242,01/02/2026,02/02/2026,個人,張偉明,,,北京市朝陽區" * 20
    ).encode("big5")
    frame = import_bytes(campaign, data)
    assert_nothing_imported(frame)
    assert "not recognised" in problems(frame)[0][2]
    with pytest.raises(Exception, match="not recognised"):
        detect_encoding(("名前,住所\n" + "山田太郎,東京都新宿区\n" * 20).encode("shift_jis"))


def test_missing_required_column_is_named(campaign):
    header = [h for h in HEADER_VI if h != "Ngày trả kết quả"]
    rows = [row[:5] + row[6:] for row in frame_rows(5)]
    frame = import_bytes(campaign, csv_bytes(rows, header))
    assert_nothing_imported(frame)
    [(row, _column, message)] = problems(frame)
    assert row == 1
    assert "Missing column" in message and "Result returned on" in message and "ngay_tra_ket_qua" in message
    assert "Thiếu cột" in frame.errors_preview[0]["message"]["vi"]


def test_bad_dates_are_named_by_row_and_column_and_nothing_is_imported(campaign):
    rows = frame_rows(6)
    rows[1][5] = "31/02/2026"  # row 3: no such day
    rows[3][4] = "hôm qua"  # row 5: not a date
    rows[4][4], rows[4][5] = "10/03/2026", "01/03/2026"  # row 6: returned before received
    rows[5][5] = "01/01/2031"  # row 7: in the future
    frame = import_bytes(campaign, csv_bytes(rows), today=date(2026, 12, 1))
    assert_nothing_imported(frame)
    assert frame.rows_read == 6 and frame.rows_rejected == 4
    found = problems(frame)
    assert found[0] == (
        3,
        "F (Ngày trả kết quả)",
        "“31/02/2026” is not a date; write it as dd/mm/yyyy or yyyy-mm-dd.",
    )
    assert found[1][:2] == (5, "E (Ngày tiếp nhận)") and "hôm qua" in found[1][2]
    assert found[2] == (6, "F (Ngày trả kết quả)", "The result was returned before the dossier was received.")
    assert found[3] == (7, "F (Ngày trả kết quả)", "The date 01/01/2031 is in the future.")
    lines = report(frame)
    assert lines[0] == ["Dòng / Row", "Cột / Column", "Lỗi / Problem"]
    assert lines[1][:2] == ["3", "F (Ngày trả kết quả)"]
    assert (
        lines[1][2].startswith("“31/02/2026” không phải là ngày")
        and " / “31/02/2026” is not a date" in lines[1][2]
    )


def test_a_file_with_only_its_header_is_empty(campaign):
    frame = import_bytes(campaign, csv_bytes([]))
    assert_nothing_imported(frame)
    assert problems(frame) == [(None, "", "The file has a header row but no dossier under it.")]


def test_a_zero_byte_upload_is_refused(campaign):
    frame = import_bytes(campaign, b"")
    assert_nothing_imported(frame)
    assert problems(frame) == [(None, "", "The file is empty (0 bytes). Choose the exported file again.")]


def test_a_csv_formula_is_refused_not_evaluated(campaign):
    rows = frame_rows(4)
    rows[2][7] = '=HYPERLINK("http://example.com","Bấm vào đây")'
    frame = import_bytes(campaign, csv_bytes(rows))
    assert_nothing_imported(frame)
    [(row, column, message)] = problems(frame)
    assert (row, column) == (4, "H (Họ tên)") and "formula" in message


def test_an_xlsx_formula_is_refused_not_evaluated(campaign):
    rows = [
        ["X-1", "Khai sinh", "Hộ tịch", "20242", "03/02/2026", "=E2+5", "Công dân", None, None, None, None],
        [
            "X-2",
            "Khai sinh",
            "Hộ tịch",
            "20242",
            "03/02/2026",
            "05/02/2026",
            "Công dân",
            None,
            None,
            None,
            None,
        ],
    ]
    frame = import_bytes(campaign, xlsx_bytes(rows), filename="khung.xlsx")
    assert_nothing_imported(frame)
    assert problems(frame) == [
        (
            2,
            "F (Ngày trả kết quả)",
            "The cell holds a formula; formulas are not read. Paste the values instead (Paste Special → Values).",
        )
    ]


def test_a_unit_that_does_not_exist_or_lies_elsewhere_is_named(campaign):
    rows = frame_rows(4)
    rows[1][3] = "99999"  # no such unit
    rows[2][3] = "00004"  # a ward of Hà Nội, not under Đà Nẵng
    frame = import_bytes(campaign, csv_bytes(rows))
    assert_nothing_imported(frame)
    found = problems(frame)
    assert found[0][:2] == (3, "D (Đơn vị giải quyết)")
    assert (
        found[0][2]
        == "No unit with the code or name “99999” exists during the campaign (01/01/2026 – 31/12/2026)."
    )
    assert found[1][:2] == (4, "D (Đơn vị giải quyết)") and "is not under the organising unit" in found[1][2]


def test_other_bad_cells_are_named_without_repeating_personal_data(campaign):
    rows = frame_rows(4)
    rows[0][6] = "hộ gia đình"
    rows[1][9] = "khong-phai-email"
    rows[2][0] = ""
    frame = import_bytes(campaign, csv_bytes(rows))
    assert_nothing_imported(frame)
    found = problems(frame)
    assert found[0][:2] == (2, "G (Đối tượng)") and "hộ gia đình" in found[0][2]
    assert found[1] == (3, "J (Email)", "This is not a valid e-mail address.")
    assert found[2] == (4, "A (Mã hồ sơ)", "This cell must not be empty.")
    assert "khong-phai-email" not in "".join(line[2] for line in report(frame))


def test_a_duplicate_dossier_is_reported_and_nothing_imported(campaign):
    rows = frame_rows(5)
    rows[3][0] = rows[0][0]
    frame = import_bytes(campaign, csv_bytes(rows))
    assert_nothing_imported(frame)
    assert frame.duplicates == 1
    assert problems(frame) == [
        (5, "A (Mã hồ sơ)", "Dossier HS-000001 also appears on row 2; only the first is kept.")
    ]


def test_duplicates_across_chunks_and_the_first_is_kept_when_skipping(campaign):
    rows = frame_rows(40)
    rows[30][0] = rows[2][0]  # row 32 repeats row 4, several chunks later
    rows[31][0] = rows[2][0]
    frame = import_bytes(campaign, csv_bytes(rows), skip=True, batch_size=7)
    assert frame.status == FrameStatus.READY
    assert (frame.rows_imported, frame.rows_rejected, frame.duplicates) == (38, 2, 2)
    assert [p[:2] for p in problems(frame)] == [(32, "A (Mã hồ sơ)"), (33, "A (Mã hồ sơ)")]
    kept = FrameRecord.objects.get(frame=frame, dossier_code=rows[2][0])
    assert kept.row_number == 4, "the first one is kept"


def test_a_dossier_already_in_another_frame_of_the_campaign(campaign):
    first = import_bytes(campaign, csv_bytes(frame_rows(10)), filename="thang-1.csv")
    assert first.status == FrameStatus.READY
    rows = frame_rows(5, start=9)  # HS-000009 and HS-000010 are in the first frame already
    second = import_bytes(campaign, csv_bytes(rows), filename="thang-2.csv", skip=True)
    assert second.status == FrameStatus.READY and second.rows_imported == 3 and second.duplicates == 2
    assert problems(second)[0] == (
        2,
        "A (Mã hồ sơ)",
        "Dossier HS-000009 is already in the frame “thang-1” of this campaign.",
    )


def test_the_skip_bad_rows_option_imports_the_valid_rows(campaign, make_user, unit):
    manager = make_user("survey_manager", unit("48"))
    rows = frame_rows(10)
    rows[2][5] = "không rõ"
    rows[7][3] = "99999"
    frame = import_bytes(campaign, csv_bytes(rows), skip=True, actor=manager)
    assert frame.status == FrameStatus.READY and frame.skip_invalid_rows
    assert (frame.rows_read, frame.rows_imported, frame.rows_rejected) == (10, 8, 2)
    assert frame.imported_by == manager
    assert not FrameRecord.objects.filter(frame=frame, row_number__in=[4, 9]).exists()
    assert [line[0] for line in report(frame)[1:]] == ["4", "9"]
    # The same file without the option: nothing at all.
    strict = import_bytes(campaign, csv_bytes(frame_rows(10, start=100)[:3] + rows[2:3]))
    assert_nothing_imported(strict)


def test_blank_rows_are_ignored_and_unknown_columns_too(campaign):
    header = [*HEADER_VI, "Ghi chú"]
    rows = [[*row, "ghi chú"] for row in frame_rows(3)]
    rows.insert(1, [""] * len(header))
    frame = import_bytes(campaign, csv_bytes(rows, header))
    assert frame.status == FrameStatus.READY, problems(frame)
    assert frame.rows_read == 3
    assert list(FrameRecord.objects.filter(frame=frame).values_list("row_number", flat=True)) == [2, 4, 5]
