"""XLSForm import and export, against forms built here and the 44 real forms of the compatibility set."""

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from django.core.management import CommandError, call_command
from django.utils.translation import override
from openpyxl import Workbook
from pyxform.xls2xform import convert

from hailong.methodology.choices import QuestionKind, VersionSource, VersionStatus
from hailong.methodology.definition import iter_questions, iter_sections, version_definition
from hailong.methodology.models import Questionnaire, QuestionnaireVersion
from hailong.methodology.xlsform import (
    SheetProblem,
    XLSFormRejected,
    definition_to_xform,
    definition_to_xlsform,
    language_key,
    read_xlsform,
    version_to_xform,
    version_to_xlsform,
    xlsform_import,
)
from tests.conftest import REPO_ROOT, skip_or_fail

COMPAT = REPO_ROOT.parent / "shared" / "compat" / "xlsform"
K = QuestionKind


def workbook(tmp_path: Path, sheets: dict[str, list[list]], name: str = "form.xlsx") -> Path:
    """An .xlsx with these sheets (first row = headers), written where the test can read it."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


ODS_MANIFEST = (
    '<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
    '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
)


def ods(sheets: dict[str, list[list[str]]]) -> bytes:
    """A minimal OpenDocument spreadsheet (openpyxl writes no .ods): enough for the importer."""
    cell = '<table:table-cell office:value-type="string"><text:p>{}</text:p></table:table-cell>'
    tables = "".join(
        f'<table:table table:name="{escape(name)}">'
        + "".join(
            "<table:table-row>"
            + "".join(cell.format(escape(v)) if v else "<table:table-cell/>" for v in row)
            + "</table:table-row>"
            for row in rows
        )
        + "</table:table>"
        for name, rows in sheets.items()
    )
    namespaces = " ".join(
        f'xmlns:{prefix}="urn:oasis:names:tc:opendocument:xmlns:{prefix}:1.0"'
        for prefix in ("office", "table", "text")
    )
    content = f'<?xml version="1.0"?><office:document-content {namespaces} office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>'
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def rejection(path: Path | bytes, filename: str = "form.xlsx") -> XLSFormRejected:
    with pytest.raises(XLSFormRejected) as caught:
        read_xlsform(path, filename)
    return caught.value


def english(message: object) -> str:
    with override("en"):
        return str(message)


def places(rejected: XLSFormRejected) -> list[tuple]:
    return [(p.sheet, p.row, p.column) for p in rejected.problems]


def by_name(definition: dict) -> dict[str, dict]:
    return {i["name"]: i for i in [*iter_sections(definition["items"]), *iter_questions(definition["items"])]}


# ---------------------------------------------------------------------------------------------------
# A form with every supported kind, two languages, groups, logic, criteria and the platform's columns

SURVEY_HEADER = [
    "type",
    "name",
    "label::Vietnamese (vi)",
    "label::English (en)",
    "hint::Vietnamese (vi)",
    "required",
    "relevant",
    "constraint",
    "constraint_message::English (en)",
    "calculation",
    "appearance",
    "choice_filter",
    "parameters",
    "hailong_kind",
    "hailong_criterion",
    "hailong_measure",
    "hailong_wording",
    "bind::odk:note",
    "image::English (en)",
    "organiser_note",
]


def survey_row(type_: str, name: str, vi: str = "", en: str = "", **cells: str) -> list[str]:
    row = dict.fromkeys(SURVEY_HEADER, "")
    row.update(type=type_, name=name)
    row["label::Vietnamese (vi)"], row["label::English (en)"] = vi, en
    for key, value in cells.items():
        column = {
            "hint": "hint::Vietnamese (vi)",
            "message": "constraint_message::English (en)",
            "image": "image::English (en)",
        }
        row[column.get(key, key)] = value
    return list(row.values())


FULL_SURVEY = [
    SURVEY_HEADER,
    survey_row("start", "start"),
    survey_row("end", "end"),
    survey_row("begin group", "service", "Dịch vụ", "Service", appearance="field-list"),
    survey_row(
        "select_one sat5",
        "q_sat",
        "Mức độ hài lòng",
        "Satisfaction",
        hint="Chọn một",
        required="yes",
        hailong_kind="satisfaction",
        hailong_criterion="C1",
        hailong_measure="satisfaction",
        hailong_wording="official",
    ),
    survey_row("select_one yn", "q_yn", "Có không?", "Yes or no?", required="yes"),
    survey_row("select_one province", "q_province", "Tỉnh", "Province"),
    survey_row(
        "select_one district", "q_district", "Huyện", "District", choice_filter="province = ${q_province}"
    ),
    survey_row(
        "select_multiple reasons",
        "q_reasons",
        "Lý do",
        "Reasons",
        constraint="count-selected(.) <= 2",
        message="Two at most",
    ),
    survey_row("rank reasons", "q_rank", "Xếp hạng", "Rank", hailong_measure="expectation"),
    survey_row("integer", "q_age", "Tuổi", "Age", required="yes", constraint=". >= 15 and . <= 100"),
    survey_row("decimal", "q_wait", "Chờ (giờ)", "Wait (hours)", relevant="${q_yn} = 'yes'"),
    survey_row("range", "q_range", "Thang", "Scale", parameters="start=1 end=10 step=1"),
    survey_row("date", "q_date", "Ngày", "Date"),
    survey_row("time", "q_time", "Giờ", "Time"),
    survey_row("datetime", "q_datetime", "Thời điểm", "Moment"),
    survey_row("text", "q_text", "Tên", "Name", **{"bind::odk:note": "kept"}),
    survey_row("text", "q_long", "Ý kiến", "Comment", appearance="multiline", hailong_measure="comment"),
    survey_row("text", "q_story", "Câu chuyện", "Story", hailong_kind="long_text"),
    survey_row("note", "q_note", "Cảm ơn", "Thank you", image="thanks.png"),
    survey_row("calculate", "q_months", calculation="${q_age} * 12"),
    survey_row("acknowledge", "q_ack", "Đồng ý", "I agree"),
    survey_row("geopoint", "q_geo", "Vị trí", "Location"),
    survey_row("image", "q_photo", "Ảnh", "Photo"),
    survey_row("barcode", "q_code", "Mã", "Code"),
    survey_row("begin repeat", "member", "Thành viên", "Member", relevant="${q_yn} = 'yes'"),
    survey_row(
        "text", "member_name", "Họ tên", "Full name", required="${q_age} > 18", organiser_note="ask politely"
    ),
    survey_row("end repeat", ""),
    survey_row("end group", ""),
    survey_row("today", "today"),
    survey_row("deviceid", "deviceid"),
]
FULL_CHOICES = [
    ["list_name", "name", "label::Vietnamese (vi)", "label::English (en)", "province"],
    *[["sat5", str(n), f"Mức {n}", f"Level {n}", ""] for n in range(1, 6)],
    ["yn", "yes", "Có", "Yes", ""],
    ["yn", "no", "Không", "No", ""],
    ["province", "48", "Đà Nẵng", "Da Nang", ""],
    ["province", "01", "Hà Nội", "Hanoi", ""],
    ["district", "hai_chau", "Hải Châu", "Hai Chau", "48"],
    ["district", "ba_dinh", "Ba Đình", "Ba Dinh", "01"],
    ["reasons", "price", "Giá", "Price", ""],
    ["reasons", "time", "Thời gian", "Time", ""],
    ["reasons", "staff", "Cán bộ", "Staff", ""],
]
FULL_SETTINGS = [
    ["form_title", "form_id", "version", "default_language", "hailong_scoring", "instance_name"],
    [
        "Khảo sát hài lòng",
        "sat_2026",
        "2026010101",
        "Vietnamese (vi)",
        '{"scale": "sat5", "top": [4, 5]}',
        "${q_text}",
    ],
]
FULL_CRITERIA = [
    ["code", "level", "parent", "name::Vietnamese (vi)", "name::English (en)", "weight", "wording"],
    ["E1", "element", "", "Tiếp cận", "Access", "1", "official"],
    ["C1", "criterion", "E1", "Thời gian chờ", "Waiting time", "0.5", "official"],
    ["C2", "criterion", "E1", "Thái độ", "Attitude", "0.25", ""],
]
EXPECTED_KINDS = {
    "start": K.METADATA,
    "end": K.METADATA,
    "q_sat": K.SATISFACTION,
    "q_yn": K.YES_NO,
    "q_province": K.SINGLE,
    "q_district": K.SINGLE,
    "q_reasons": K.MULTIPLE,
    "q_rank": K.RANKING,
    "q_age": K.INTEGER,
    "q_wait": K.DECIMAL,
    "q_range": K.DECIMAL,
    "q_date": K.DATE,
    "q_time": K.TIME,
    "q_datetime": K.DATETIME,
    "q_text": K.TEXT,
    "q_long": K.LONG_TEXT,
    "q_story": K.LONG_TEXT,
    "q_note": K.NOTE,
    "q_months": K.CALCULATE,
    "q_ack": K.ACKNOWLEDGE,
    "q_geo": K.GEOPOINT,
    "q_photo": K.MEDIA,
    "q_code": K.BARCODE,
    "member_name": K.TEXT,
    "today": K.METADATA,
    "deviceid": K.METADATA,
}


@pytest.fixture
def full_form(tmp_path) -> Path:
    return workbook(
        tmp_path,
        {
            "survey": FULL_SURVEY,
            "choices": FULL_CHOICES,
            "settings": FULL_SETTINGS,
            "hailong_criteria": FULL_CRITERIA,
        },
        "khao_sat.xlsx",
    )


def test_every_supported_kind_is_read(full_form):
    definition = read_xlsform(full_form, full_form.name)
    items = by_name(definition)
    assert {q["name"]: q["kind"] for q in iter_questions(definition["items"])} == EXPECTED_KINDS
    assert [s["name"] for s in iter_sections(definition["items"])] == ["service", "member"]
    assert items["member"]["repeat"] is True and items["service"]["repeat"] is False
    assert [i["name"] for i in items["member"]["items"]] == ["member_name"]
    assert items["q_sat"]["xlsform_type"] == "select_one sat5"
    assert items["q_range"]["parameters"] == {"start": "1", "end": "10", "step": "1"}


def test_languages_settings_and_extra_columns_are_kept(full_form):
    definition = read_xlsform(full_form, full_form.name)
    items = by_name(definition)
    assert definition["languages"] == {"vi": "Vietnamese (vi)", "en": "English (en)"}
    assert definition["default_language"] == "vi"
    assert definition["title"] == {"default": "Khảo sát hài lòng"}
    assert (definition["form_id"], definition["form_version"]) == ("sat_2026", "2026010101")
    assert definition["scoring"] == {"scale": "sat5", "top": [4, 5]}
    assert definition["settings"] == {"instance_name": "${q_text}"}
    assert items["q_sat"]["label"] == {"vi": "Mức độ hài lòng", "en": "Satisfaction"}
    assert items["q_sat"]["hint"] == {"vi": "Chọn một"}
    assert items["q_reasons"]["constraint_message"] == {"en": "Two at most"}
    assert items["q_text"]["extra"] == {"bind::odk:note": "kept"}
    assert items["q_note"]["extra"] == {"image": {"en": "thanks.png"}}
    assert items["member_name"]["extra"] == {"organiser_note": "ask politely", "required": "${q_age} > 18"}
    assert definition["choice_lists"]["district"][0] == {
        "value": "hai_chau",
        "label": {"vi": "Hải Châu", "en": "Hai Chau"},
        "extra": {"province": "48"},
    }


def test_logic_is_stored_verbatim(full_form):
    items = by_name(read_xlsform(full_form, full_form.name))
    assert items["q_wait"]["relevant"] == "${q_yn} = 'yes'"
    assert items["q_age"]["constraint"] == ". >= 15 and . <= 100"
    assert items["q_age"]["required"] is True
    assert items["q_district"]["choice_filter"] == "province = ${q_province}"
    assert items["q_months"]["calculation"] == "${q_age} * 12"
    # A required *expression* leaves the flag off and is kept for export and the collection module.
    assert items["member_name"]["required"] is False


def test_criteria_and_platform_columns(full_form):
    definition = read_xlsform(full_form, full_form.name)
    items = by_name(definition)
    assert definition["criteria"] == [
        {
            "code": "E1",
            "level": "element",
            "name": {"vi": "Tiếp cận", "en": "Access"},
            "parent": None,
            "weight": "1",
            "wording": "official",
        },
        {
            "code": "C1",
            "level": "criterion",
            "name": {"vi": "Thời gian chờ", "en": "Waiting time"},
            "parent": "E1",
            "weight": "0.5",
            "wording": "official",
        },
        {
            "code": "C2",
            "level": "criterion",
            "name": {"vi": "Thái độ", "en": "Attitude"},
            "parent": "E1",
            "weight": "0.25",
            "wording": "default",
        },
    ]
    assert (items["q_sat"]["criterion"], items["q_sat"]["measure"], items["q_sat"]["wording"]) == (
        "C1",
        "satisfaction",
        "official",
    )
    assert (items["q_rank"]["criterion"], items["q_rank"]["measure"], items["q_rank"]["wording"]) == (
        None,
        "expectation",
        "default",
    )


def test_full_form_round_trips_through_export(full_form):
    definition = read_xlsform(full_form, full_form.name)
    exported = definition_to_xlsform(definition)
    assert read_xlsform(exported, "export.xlsx") == definition


def test_export_writes_the_original_headers_and_platform_columns_only_when_used(full_form, tmp_path):
    from python_calamine import CalamineWorkbook

    exported = CalamineWorkbook.from_filelike(
        io.BytesIO(definition_to_xlsform(read_xlsform(full_form, "f.xlsx")))
    )
    assert exported.sheet_names == ["survey", "choices", "settings", "hailong_criteria"]
    header = exported.get_sheet_by_name("survey").to_python()[0]
    assert {
        "label::Vietnamese (vi)",
        "label::English (en)",
        "hailong_kind",
        "hailong_criterion",
        "bind::odk:note",
    } <= set(header)
    # Only two questions override the kind their type implies; the column is written for them alone.
    rows = exported.get_sheet_by_name("survey").to_python()[1:]
    kinds = {
        r[header.index("name")]: r[header.index("hailong_kind")]
        for r in rows
        if r[header.index("hailong_kind")]
    }
    assert kinds == {"q_sat": "satisfaction", "q_story": "long_text"}

    plain = workbook(tmp_path, {"survey": [["type", "name", "label"], ["text", "q", "Q"]]}, "plain.xlsx")
    exported = CalamineWorkbook.from_filelike(
        io.BytesIO(definition_to_xlsform(read_xlsform(plain, "plain.xlsx")))
    )
    assert exported.get_sheet_by_name("survey").to_python()[0] == ["type", "name", "label"]
    assert "hailong_criteria" not in exported.sheet_names


def test_xform_of_an_export_has_the_binds(full_form):
    xform = definition_to_xform(read_xlsform(full_form, full_form.name))
    root = ET.fromstring(xform)
    binds = {b.get("nodeset"): b.attrib for b in root.iter("{http://www.w3.org/2002/xforms}bind")}
    assert binds["/data/service/q_wait"]["relevant"] == " /data/service/q_yn  = 'yes'"
    assert binds["/data/service/member"]["relevant"] == " /data/service/q_yn  = 'yes'"
    assert binds["/data/service/q_age"]["required"] == "true()"
    assert binds["/data/service/q_age"]["constraint"] == ". >= 15 and . <= 100"
    assert binds["/data/service/member/member_name"]["required"] == " /data/service/q_age  > 18"
    assert binds["/data/service/q_text"]["{http://www.opendatakit.org/xforms}note"] == "kept"
    instance = root.find(".//{http://www.w3.org/2002/xforms}instance/{http://www.w3.org/2002/xforms}data")
    assert instance.attrib == {"id": "sat_2026", "version": "2026010101"}
    assert 'lang="Vietnamese (vi)" default="true()"' in xform and "Mức độ hài lòng" in xform
    assert "instance('district')/root/item[province =  /data/service/q_province ]" in xform


def test_builtin_templates_survive_export():
    from hailong.methodology.builtin_templates import TEMPLATES

    for key, template in TEMPLATES.items():
        definition = template.definition
        back = read_xlsform(definition_to_xlsform(definition), f"{key}.xlsx")
        # Spreadsheet cells are read stripped, as pyxform reads them: a final newline does not survive.
        assert back == {**definition, "notes": definition["notes"].strip()}, key
        ET.fromstring(definition_to_xform(definition))


def test_import_and_export_round_trip_through_the_database(full_form, unit):
    first = xlsform_import(file=full_form, filename=full_form.name, owner=unit("VN"))
    assert first.status == VersionStatus.DRAFT and first.source == VersionSource.XLSFORM
    assert first.source_filename == "khao_sat.xlsx"
    assert first.questionnaire.code == "sat_2026" and first.questionnaire.title == {
        "default": "Khảo sát hài lòng"
    }
    original = read_xlsform(full_form, full_form.name)
    assert version_definition(first) == original

    second = xlsform_import(file=version_to_xlsform(first), filename="export.xlsx", owner=unit("VN"))
    assert second.questionnaire.code == "sat_2026-2"
    assert version_definition(second) == version_definition(first)
    assert "<h:title>Khảo sát hài lòng</h:title>" in version_to_xform(second)


def test_import_adds_a_draft_to_a_given_questionnaire(full_form, unit):
    first = xlsform_import(file=full_form, filename=full_form.name, owner=unit("VN"))
    from hailong.methodology import services

    services.version_publish(version=first)
    second = xlsform_import(
        file=full_form, filename="again.xlsx", owner=unit("VN"), questionnaire=first.questionnaire
    )
    assert (second.questionnaire_id, second.number, second.status) == (
        first.questionnaire_id,
        2,
        VersionStatus.DRAFT,
    )
    # A second draft is refused by the services; that too comes back as a rejection, not an error.
    with pytest.raises(XLSFormRejected) as caught:
        xlsform_import(
            file=full_form, filename="third.xlsx", owner=unit("VN"), questionnaire=first.questionnaire
        )
    assert "draft" in caught.value.messages()[0]
    assert first.questionnaire.versions.count() == 2


# ---------------------------------------------------------------------------------------------------
# Languages


@pytest.mark.parametrize(
    ("spelling", "key"),
    [
        ("English (en)", "en"),
        ("Vietnamese (vi)", "vi"),
        ("Tiếng Việt (vi)", "vi"),
        ("English", "en"),
        ("english", "en"),
        ("Vietnamese", "vi"),
        ("Français (fr)", "fr"),
        ("Chinese", "chinese"),
        ("EN", "en"),
        (None, "default"),
    ],
)
def test_language_keys(spelling, key):
    assert language_key(spelling) == key


def test_single_colon_headers_and_plain_label(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [
                ["type", "name", "label", "label:English", "bind:relevant", "bind:saveIncomplete"],
                ["text", "a", "A", "A en", "", "true"],
                ["text", "b", "B", "B en", "${a} != ''", ""],
            ]
        },
    )
    definition = read_xlsform(path, "form.xlsx")
    items = by_name(definition)
    assert items["a"]["label"] == {"default": "A", "en": "A en"}
    assert items["b"]["relevant"] == "${a} != ''"
    assert items["a"]["extra"] == {"bind::saveIncomplete": "true"}
    assert definition["languages"] == {"en": "English"}
    assert read_xlsform(definition_to_xlsform(definition), "x.xlsx") == definition


def test_two_columns_for_one_language_are_refused(tmp_path):
    path = workbook(
        tmp_path,
        {"survey": [["type", "name", "label::English", "label::English (en)"], ["text", "a", "A", "A"]]},
    )
    assert places(rejection(path)) == [("survey", 1, "D (label::English (en))")]


# ---------------------------------------------------------------------------------------------------
# Refusals: where, and what


def test_messages_name_file_sheet_row_and_column(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [
                ["type", "name", "label", "relevant"],
                ["integer", "age", "Age", ""],
                ["text", "why", "Why?", "${age} >"],
            ]
        },
    )
    rejected = rejection(path)
    assert places(rejected) == [("survey", 3, "D (relevant)")]
    [message] = rejected.messages()
    assert "File form.xlsx, sheet survey, row 3, column D (relevant): Cannot understand “${age} >”" in message


def test_render_without_row_or_sheet():
    assert "File f.xlsx: gone" in SheetProblem(None, None, None, "gone").render("f.xlsx")
    assert "File f.xlsx, sheet choices: gone" in SheetProblem("choices", None, None, "gone").render("f.xlsx")
    assert "File f.xlsx, sheet survey, row 4: gone" in SheetProblem("survey", 4, None, "gone").render(
        "f.xlsx"
    )


def test_every_problem_is_reported_not_just_the_first(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [
                ["type", "name", "label", "hailong_kind", "hailong_criterion", "hailong_measure"],
                ["integer", "age", "Age", "satisfaction", "", ""],
                ["text", "why", "Why", "colour", "", "mood"],
                ["text", "who", "Who", "", "Z9", ""],
                ["text", "age", "Age again", "", "", ""],
            ]
        },
    )
    assert places(rejection(path)) == [
        ("survey", 2, "D (hailong_kind)"),  # satisfaction does not fit an integer
        ("survey", 3, "D (hailong_kind)"),  # no such kind
        ("survey", 3, "F (hailong_measure)"),
        ("survey", 4, "E (hailong_criterion)"),  # not on a criteria sheet
        ("survey", 5, "B (name)"),  # used twice: reported on the later row
    ]


def test_unknown_references_and_unsupported_functions(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [
                ["type", "name", "label", "calculation", "constraint", "required"],
                ["calculate", "fruit", "", "pulldata('fruits', 'name', 'key', 'mango')", "", ""],
                ["integer", "n", "N", "", ". < ${ghost}", ""],
                ["text", "t", "T", "", "", "${phantom} = 1"],
            ]
        },
    )
    assert places(rejection(path)) == [("survey", 3, "E (constraint)"), ("survey", 4, "F (required)")]


def test_unsupported_function_keeps_the_form_for_odk(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [
                ["type", "name", "label", "calculation"],
                ["calculate", "fruit", "", "pulldata('fruits', 'name', 'key', 'mango')"],
            ]
        },
    )
    definition = read_xlsform(path, "form.xlsx")
    [entry] = definition["settings"]["hailong_web_unsupported"]
    assert (entry["name"], entry["field"]) == ("fruit", "calculation")
    assert "pulldata" in entry["message"]
    # Derived on every read, never written to the settings sheet.
    assert read_xlsform(definition_to_xlsform(definition), "x.xlsx") == definition


@pytest.mark.parametrize(
    ("type_", "word"),
    [
        ("select_one_from_file fruits.csv", "external file"),
        ("select_multiple_from_file fruits.csv", "external file"),
        ("select one external", "external file"),
        ("select_one_external fruits", "external file"),
        ("select_one fruits.csv", "external file"),
        ("osm buildings", "OpenStreetMap"),
        ("xml-external", "external data"),
        ("csv-external", "external data"),
        ("include other_form", "another XLSForm"),
        ("select_one ${repeat_question}", "repeat"),
    ],
)
def test_unsupported_question_types_are_refused_at_their_row(tmp_path, type_, word):
    path = workbook(
        tmp_path,
        {
            "survey": [["type", "name", "label"], ["text", "before", "Before"], [type_, "fruit", "Fruit"]],
            "choices": [["list_name", "name", "label"], ["fruits", "mango", "Mango"]],
        },
    )
    rejected = rejection(path)
    ours = [p for p in rejected.problems if (p.sheet, p.row, p.column) == ("survey", 3, "A (type)")]
    assert len(ours) == 1
    assert "Unsupported question type" in english(ours[0].message) and word in english(ours[0].message)


def test_unknown_type_and_unclosed_group(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [
                ["type", "name", "label"],
                ["begin group", "g", "G"],
                ["texte", "a", "A"],
                ["text", "b", "B"],
            ]
        },
    )
    rejected = rejection(path)
    assert ("survey", 3, "A (type)") in places(rejected)
    assert any("Unknown question type “texte”" in m for m in rejected.messages())


def test_pyxform_refusals_come_back_with_their_row(tmp_path):
    path = workbook(
        tmp_path, {"survey": [["type", "name", "label"], ["text", "a", "A"], ["end group", "", ""]]}
    )
    rejected = rejection(path)
    assert [(p.sheet, p.row) for p in rejected.problems] == [("survey", 3)]
    assert "pyxform" in rejected.messages()[0]


def test_duplicate_headers_and_choice_values(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [["type", "name", "label", "label"], ["select_one c", "a", "A", "A"]],
            "choices": [["list_name", "name", "label"], ["c", "x", "X"], ["c", "x", "X again"]],
            "settings": [["allow_choice_duplicates"], ["yes"]],
        },
    )
    assert places(rejection(path)) == [("survey", 1, "D (label)"), ("choices", 3, "B (name)")]


def test_criteria_sheet_problems(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [["type", "name", "label"], ["text", "a", "A"]],
            "hailong_criteria": [
                ["code", "level", "parent", "name", "weight"],
                ["E1", "element", "", "Access", "1"],
                ["C1", "criterion", "C2", "Waiting", "2"],
                ["C2", "kind of", "E1", "Attitude", "heavy"],
                ["E1", "element", "", "Again", "1"],
            ],
        },
    )
    assert places(rejection(path)) == [
        ("hailong_criteria", 3, "C (parent)"),
        ("hailong_criteria", 4, "B (level)"),
        ("hailong_criteria", 4, "E (weight)"),
        ("hailong_criteria", 5, "A (code)"),
    ]


def test_settings_problems(tmp_path):
    path = workbook(
        tmp_path,
        {
            "survey": [["type", "name", "label"], ["text", "a", "A"]],
            "settings": [["form_id", "hailong_scoring"], ["f" * 101, "{not json"]],
        },
    )
    assert places(rejection(path)) == [("settings", 2, "A (form_id)"), ("settings", 2, "B (hailong_scoring)")]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"type,name,label\ntext,a,A\n",
        b"\x00\x01\x02 not a workbook",
        b"PK\x03\x04broken zip",
        # The container of old .xls files, and of password-protected .xlsx files.
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
    ],
    ids=["empty", "csv", "binary", "broken-zip", "ole-container"],
)
def test_unreadable_files_are_refused(content, unit):
    with pytest.raises(XLSFormRejected) as caught:
        xlsform_import(file=content, filename="upload.xlsx", owner=unit("VN"))
    [problem] = caught.value.problems
    assert problem.sheet is None
    assert "File upload.xlsx: " in caught.value.messages()[0]
    assert not Questionnaire.objects.exists()


def test_opendocument_spreadsheets_are_read_with_their_row_numbers():
    survey = [
        ["type", "name", "label::Vietnamese (vi)", "relevant"],
        ["text", "a", "Tên", ""],
        ["", "", "", ""],
    ]
    definition = read_xlsform(ods({"survey": [*survey, ["integer", "b", "Tuổi", ""]]}), "form.ods")
    assert [q["name"] for q in iter_questions(definition["items"])] == ["a", "b"]
    assert definition["languages"] == {"vi": "Vietnamese (vi)"}
    broken = ods({"survey": [*survey, ["integer", "b", "Tuổi", "${a} >"]]})
    assert places(rejection(broken, "form.ods")) == [("survey", 4, "D (relevant)")]


def test_a_workbook_without_survey_sheet(tmp_path):
    path = workbook(tmp_path, {"choices": [["list_name", "name", "label"]], "notes": [["x"]]})
    [problem] = rejection(path).problems
    assert "survey" in english(problem.message)


def test_other_sheets_are_warnings(tmp_path):
    path = workbook(
        tmp_path,
        {"survey": [["type", "name", "label"], ["text", "a", "A"]], "readme": [["How to fill this form"]]},
    )
    warnings: list[SheetProblem] = []
    read_xlsform(path, "form.xlsx", warnings=warnings)
    assert [(w.sheet, w.row) for w in warnings] == [("readme", None)]


def test_refused_import_writes_nothing(tmp_path, unit):
    path = workbook(
        tmp_path, {"survey": [["type", "name", "label", "relevant"], ["text", "a", "A", "${nobody} = 1"]]}
    )
    with pytest.raises(XLSFormRejected):
        xlsform_import(file=path, filename=path.name, owner=unit("VN"))
    assert not Questionnaire.objects.exists() and not QuestionnaireVersion.objects.exists()


def test_uploaded_file_objects_are_read(full_form, unit):
    with full_form.open("rb") as handle:
        version = xlsform_import(file=handle, filename="upload.xlsx", owner=unit("48"))
    assert version.questionnaire.owner == unit("48")


# ---------------------------------------------------------------------------------------------------
# The compatibility set: 44 real XLSForms from the pyxform project

IMPORTED = "imported"
# Per file: IMPORTED (and what the web forms cannot do, from settings["hailong_web_unsupported"]) or
# the problems of the refusal as (sheet, row, column, words of the message).
OR_OTHER = "“or specify other” adds a choice"
LOOP = "A loop over a choice list"
COMPAT_FORMS: dict[str, tuple] = {
    "allow_comment_rows_test.xls": (IMPORTED, []),
    "attribute_columns_test.xlsx": (IMPORTED, []),
    "bad_calc.xlsx": (("survey", 2, "D (calculation)", "Cannot understand “because pyxform"),),
    "calculate.xls": (IMPORTED, []),
    "cascading_select_test_equivalent.xls": (IMPORTED, []),
    "case_insensitivity.xls": (
        ("SURVEY", 3, "A (TYPE)", "Unsupported question type “select_one_external c1”"),
        ("SURVEY", 4, "A (TYPE)", "Unsupported question type “osm c1”"),
        ("ENTITIES", None, None, "Entities"),
    ),
    "case_insensitivity.xlsx": (
        ("SURVEY", 3, "A (TYPE)", "Unsupported question type “select_one_external c1”"),
        ("SURVEY", 4, "A (TYPE)", "Unsupported question type “osm c1”"),
        ("ENTITIES", None, None, "Entities"),
    ),
    # Two counties called "king" in one list, told apart by a filter column: the platform stores
    # answers by value, so a list may not repeat one.
    "choice_filter_test.xlsx": (
        ("choices", 6, "B (name)", "The value “king” appears twice in the list “counties”"),
    ),
    "choice_name_as_type.xls": (
        ("survey", 3, "A (type)", "Unsupported question type “select_one_external type”"),
    ),
    "choice_name_same_as_select_name.xls": (IMPORTED, []),
    "default_time_demo.xls": (IMPORTED, []),
    "extra_columns.xlsx": (IMPORTED, []),
    "extra_sheet_names.xlsx": (IMPORTED, []),
    "field-list.xlsx": (IMPORTED, []),
    "flat_xlsform_test.xlsx": (IMPORTED, []),
    "gps.xls": (IMPORTED, []),
    "group.xls": (IMPORTED, []),
    "group.xlsx": (IMPORTED, []),
    "hidden.xls": (IMPORTED, []),
    "include.xls": (
        (None, None, None, "This section has not been included"),
        ("survey", 3, "A (type)", "Unsupported question type “include”"),
    ),
    "include.xlsx": (
        (None, None, None, "This section has not been included"),
        ("survey", 3, "A (type)", "Unsupported question type “include”"),
    ),
    "include_json.xls": (
        (None, None, None, "This section has not been included"),
        ("survey", 2, "A (type)", "Unsupported question type “include”"),
    ),
    "include_json.xlsx": (
        (None, None, None, "This section has not been included"),
        ("survey", 2, "A (type)", "Unsupported question type “include”"),
    ),
    "loop.xls": (
        IMPORTED,
        [("available_toilet_types", "type", OR_OTHER), ("loop_toilet_types", "type", LOOP)],
    ),
    "loop.xlsx": (
        IMPORTED,
        [("available_toilet_types", "type", OR_OTHER), ("loop_toilet_types", "type", LOOP)],
    ),
    "or_other.xlsx": (IMPORTED, [("fav_color", "type", OR_OTHER)]),
    "pull_data.xlsx": (IMPORTED, [("fruit", "calculation", 'unknown function "pulldata"')]),
    "repeat_date_test.xls": (IMPORTED, []),
    "simple_loop.xls": (IMPORTED, [("my_table", "type", LOOP)]),
    "sms_info.xls": (IMPORTED, []),
    "specify_other.xls": (IMPORTED, [("sex", "type", OR_OTHER)]),
    "specify_other.xlsx": (IMPORTED, [("sex", "type", OR_OTHER)]),
    "style_settings.xls": (IMPORTED, []),
    "survey_no_name.xlsx": (IMPORTED, []),
    "table-list.xls": (IMPORTED, []),
    "text_and_integer.xls": (IMPORTED, []),
    "text_and_integer.xlsx": (IMPORTED, []),
    "tutorial.xls": (IMPORTED, []),
    "unknown_question_type.xls": (
        ("survey", 1, "J (relevance)", "Headers that are different names for the same column"),
        ("survey", 2, "A (type)", "Unknown question type “set form title”"),
        ("survey", 3, "A (type)", "Unknown question type “set form id”"),
        ("survey", 52, "A (type)", "Unknown question type “unknown”"),
    ),
    "widgets.xls": (IMPORTED, []),
    "xlsform_spec_test.xlsx": (IMPORTED, []),
    "xml_escaping.xls": (IMPORTED, []),
    "yes_or_no_question.xls": (IMPORTED, []),
    "yes_or_no_question.xlsx": (IMPORTED, []),
}
# What every type met in the set becomes (the type as written, before the list name).
COMPAT_KINDS = {
    "acknowledge": K.ACKNOWLEDGE,
    "audio": K.MEDIA,
    "barcode": K.BARCODE,
    "calculate": K.CALCULATE,
    "date": K.DATE,
    "dateTime": K.DATETIME,
    "datetime": K.DATETIME,
    "decimal": K.DECIMAL,
    "deviceid": K.METADATA,
    "end": K.METADATA,
    "geopoint": K.GEOPOINT,
    "gps": K.GEOPOINT,
    "hidden": K.CALCULATE,
    "image": K.MEDIA,
    "imei": K.METADATA,
    "int": K.INTEGER,
    "integer": K.INTEGER,
    "note": K.NOTE,
    "phone number": K.TEXT,
    "phonenumber": K.METADATA,
    "select all that apply from": K.MULTIPLE,
    "select one from": K.SINGLE,
    "select_multiple": K.MULTIPLE,
    "select_one": K.SINGLE,
    "simserial": K.METADATA,
    "start": K.METADATA,
    "string": K.TEXT,
    "text": K.TEXT,
    "time": K.TIME,
    "today": K.METADATA,
    "trigger": K.ACKNOWLEDGE,
    "uri:deviceid": K.METADATA,
    "video": K.MEDIA,
}
RE_GENERATED = re.compile(
    r"(reserved_name_for_field_list_labels|generated_note_name|generated_table_list_label)_\d+"
)


def compat_path(name: str) -> Path:
    if not COMPAT.is_dir():
        skip_or_fail(f"The XLSForm compatibility set is not at {COMPAT}")
    return COMPAT / name


def _type_word(question: dict) -> str:
    words = question["xlsform_type"].split()
    for prefix in ("select all that apply from", "select one from", "phone number"):
        if question["xlsform_type"].startswith(prefix):
            return prefix
    return words[0]


def _expected_kind(question: dict, choice_lists: dict) -> str:
    kind = COMPAT_KINDS[_type_word(question)]
    values = {c["value"] for c in choice_lists.get(question["choice_list"] or "", [])}
    return K.YES_NO if kind == K.SINGLE and values == {"yes", "no"} else kind


def _canonical(xform: str) -> ET.Element:
    """XForm XML with what may differ between equivalent forms removed: attribute order (by parsing),
    ``required="false()"`` (the default), pyxform's row-numbered generated names, whitespace."""
    root = ET.fromstring(RE_GENERATED.sub(r"\1_N", xform))
    for element in root.iter():
        if element.attrib.get("required") == "false()":
            del element.attrib["required"]
        element.text = (element.text or "").strip()
        element.tail = ""
    return root


def _same_xml(a: ET.Element, b: ET.Element) -> bool:
    return (
        a.tag == b.tag
        and a.attrib == b.attrib
        and a.text == b.text
        and len(a) == len(b)
        and all(_same_xml(x, y) for x, y in zip(a, b, strict=True))
    )


def test_the_compatibility_set_is_complete():
    if not COMPAT.is_dir():
        skip_or_fail(f"The XLSForm compatibility set is not at {COMPAT}")
    assert sorted(p.name for p in COMPAT.glob("*.xls*")) == sorted(COMPAT_FORMS)
    outcomes = [expected[0] == IMPORTED for expected in COMPAT_FORMS.values()]
    assert (outcomes.count(True), outcomes.count(False)) == (34, 10)


@pytest.mark.parametrize("name", sorted(COMPAT_FORMS))
def test_compat_form(name, unit):
    path = compat_path(name)
    expected = COMPAT_FORMS[name]
    if expected[0] != IMPORTED:
        with pytest.raises(XLSFormRejected) as caught:
            xlsform_import(file=path, filename=name, owner=unit("VN"))
        got = [(p.sheet, p.row, p.column) for p in caught.value.problems]
        assert got == [e[:3] for e in expected]
        for message, (*_where, words) in zip(caught.value.messages(), expected, strict=True):
            assert words in message
            assert f"File {name}" in message
        assert not Questionnaire.objects.exists()
        return

    definition = read_xlsform(path, name)
    unsupported = [(e["name"], e["field"]) for e in definition["settings"].get("hailong_web_unsupported", [])]
    assert unsupported == [e[:2] for e in expected[1]]
    for entry, (*_key, words) in zip(
        definition["settings"].get("hailong_web_unsupported", []), expected[1], strict=True
    ):
        assert words in entry["message"]
    for question in iter_questions(definition["items"]):
        assert question["kind"] == _expected_kind(question, definition["choice_lists"]), question["name"]

    # Export gives the same definition back, and the same XForm as the original file.
    exported = definition_to_xlsform(definition)
    assert read_xlsform(exported, name) == definition
    original = convert(str(path), validate=False).xform
    assert _same_xml(
        _canonical(convert(exported, validate=False, file_type=".xlsx").xform), _canonical(original)
    )

    # Through the database: import, export, import again.
    version = xlsform_import(file=path, filename=name, owner=unit("VN"))
    assert version.status == VersionStatus.DRAFT
    assert version_definition(version) == definition
    again = xlsform_import(file=version_to_xlsform(version), filename=name, owner=unit("VN"))
    assert version_definition(again) == version_definition(version)


# ---------------------------------------------------------------------------------------------------
# Command line


def test_command_import_prints_the_version_id(full_form, registry):
    out, err = io.StringIO(), io.StringIO()
    call_command("questionnaire", "import", str(full_form), "--owner", "VN", stdout=out, stderr=err)
    first_line = out.getvalue().splitlines()[0]
    version = QuestionnaireVersion.objects.get(pk=int(first_line))
    assert version.status == VersionStatus.DRAFT
    assert "Draft created" in err.getvalue()


def test_command_import_into_an_existing_questionnaire(full_form, unit):
    first = xlsform_import(file=full_form, filename=full_form.name, owner=unit("VN"))
    from hailong.methodology import services

    services.version_publish(version=first)
    out = io.StringIO()
    call_command(
        "questionnaire",
        "import",
        str(full_form),
        "--questionnaire",
        first.questionnaire.code,
        stdout=out,
        stderr=io.StringIO(),
    )
    assert QuestionnaireVersion.objects.get(pk=int(out.getvalue().split()[0])).number == 2


def test_command_import_refusal_lists_rows_and_writes_nothing(tmp_path, registry):
    path = workbook(
        tmp_path,
        {
            "survey": [
                ["type", "name", "label", "relevant"],
                ["text", "a", "A", ""],
                ["text", "b", "B", "${ghost} = 1"],
                ["gizmo", "c", "C", ""],
            ]
        },
    )
    err = io.StringIO()
    with pytest.raises(CommandError, match=r"Nothing created: 2 error\(s\)"):
        call_command("questionnaire", "import", str(path), stdout=io.StringIO(), stderr=err)
    assert "row 3, column D (relevant)" in err.getvalue()
    assert "row 4, column A (type)" in err.getvalue()
    assert not Questionnaire.objects.exists()


def test_command_import_checks_its_arguments(full_form, tmp_path, registry):
    with pytest.raises(CommandError, match="File not found"):
        call_command("questionnaire", "import", str(tmp_path / "missing.xlsx"))
    with pytest.raises(CommandError, match="No single unit"):
        call_command("questionnaire", "import", str(full_form), "--owner", "XX")
    with pytest.raises(CommandError, match="No questionnaire"):
        call_command("questionnaire", "import", str(full_form), "--questionnaire", "nope")


def test_command_export(full_form, tmp_path, unit):
    version = xlsform_import(file=full_form, filename=full_form.name, owner=unit("VN"))
    target = tmp_path / "out.xlsx"
    call_command("questionnaire", "export", str(version.pk), "-o", str(target), stderr=io.StringIO())
    assert read_xlsform(target, target.name) == version_definition(version)

    out = io.StringIO()
    call_command("questionnaire", "export", str(version.pk), "--format", "xml", stdout=out)
    ET.fromstring(out.getvalue())

    with pytest.raises(CommandError, match="needs -o"):
        call_command("questionnaire", "export", str(version.pk))
    with pytest.raises(CommandError, match="No version"):
        call_command("questionnaire", "export", "999999", "--format", "xml")
