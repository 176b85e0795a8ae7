"""XLSForm in and out: the spreadsheet format of ODK, KoboToolbox and Ona.

Import (:func:`read_xlsform`, :func:`xlsform_import`) reads the workbook's cells itself with
python-calamine (.xlsx, .xlsm, .xls, .ods) so that every problem names the sheet, row and column a
person sees in the spreadsheet. The same cells then go through pyxform, as ODK Central would convert
them, so a form the platform accepts is one ODK Collect accepts, and pyxform's objections come back
with their row numbers. The result is a *definition* (see :mod:`hailong.methodology.definition`):

* survey rows become sections (``begin group``, ``begin repeat``, ``begin loop over …``) and
  questions; the type is kept verbatim in ``xlsform_type`` and mapped to a :class:`QuestionKind`
  (``KIND_BY_TYPE``; a ``hailong_kind`` column overrides it, e.g. ``satisfaction``);
* translated columns (``label::Vietnamese (vi)``) become ``{"vi": …}``; the header spellings go to
  ``languages`` so export writes the same headers; a column without language is ``"default"``;
* every column the definition has no field for is kept under its header in ``extra`` (survey and
  choices rows) or ``settings`` (settings sheet), so export writes it back. Translated media columns
  (``image::English``) are kept as ``extra["image"] = {"en": …}``. A loop keeps its type
  (``begin loop over list``) in ``extra["type"]``;
* the optional ``hailong_criteria`` sheet is the criteria tree, and the ``hailong_criterion``,
  ``hailong_measure`` and ``hailong_wording`` columns tie questions to it;
* expressions are stored verbatim. One the platform's web forms cannot evaluate (``pulldata()``, a
  loop, "or specify other") does not refuse the form, which ODK Collect can still collect; it is
  listed in ``settings["hailong_web_unsupported"]``.

Export (:func:`definition_to_xlsform`) writes a definition back as .xlsx; reading the export gives the
same definition. :func:`version_to_xform` runs that export through pyxform to get the XForm.
"""

import io
import json
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from openpyxl import Workbook
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum
from pyxform import aliases
from pyxform.errors import PyXFormError
from pyxform.parsing.parameters import parse as parse_parameters
from pyxform.parsing.sheet_headers import clean_text_values, process_header, to_snake_case
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.question_type_dictionary import QUESTION_TYPE_DICT
from pyxform.survey import Survey
from pyxform.xls2xform import convert

from hailong.core.messages import bilingual, lazy_format, validation_messages
from hailong.core.tabular import column_letter
from hailong.methodology import services
from hailong.methodology.choices import (
    CriterionLevel,
    Measure,
    QuestionKind,
    VersionSource,
    WordingSource,
)
from hailong.methodology.definition import iter_questions, iter_sections, version_definition
from hailong.methodology.expressions import ExpressionError, compile_expression, references
from hailong.methodology.models import Questionnaire, QuestionnaireVersion, text_in
from hailong.units.models import Unit

SURVEY, CHOICES, SETTINGS, CRITERIA = "survey", "choices", "settings", "hailong_criteria"
# Sheets pyxform reads besides ours. We pass them on so its checks are complete, but store none of
# them: their features are refused (entities) or only matter to types we refuse (external choices, OSM).
PYXFORM_OTHER_SHEETS = ("external_choices", "entities", "osm")
WEB_UNSUPPORTED = "hailong_web_unsupported"
DEFAULT = "default"

K = QuestionKind
METADATA_TYPES = (
    "start",
    "end",
    "today",
    "deviceid",
    "subscriberid",
    "simserial",
    "phonenumber",
    "username",
    "email",
    "audit",
    "start-geopoint",
    "background-geopoint",
)
# XLSForm type (after pyxform's own aliases, e.g. "imei" → "deviceid") → kind. Types not listed here
# but known to pyxform (legacy spellings such as "q int" or "add date prompt") are mapped from what
# pyxform would generate for them (``_kind_from_pyxform``).
KIND_BY_TYPE: dict[str, QuestionKind] = {
    "text": K.TEXT,
    "string": K.TEXT,
    "integer": K.INTEGER,
    "int": K.INTEGER,
    "decimal": K.DECIMAL,
    "range": K.DECIMAL,
    "date": K.DATE,
    "time": K.TIME,
    "datetime": K.DATETIME,
    "dateTime": K.DATETIME,
    "note": K.NOTE,
    "calculate": K.CALCULATE,
    "hidden": K.CALCULATE,
    "acknowledge": K.ACKNOWLEDGE,
    "trigger": K.ACKNOWLEDGE,
    "geopoint": K.GEOPOINT,
    "gps": K.GEOPOINT,
    "geotrace": K.GEOPOINT,
    "geoshape": K.GEOPOINT,
    "image": K.MEDIA,
    "photo": K.MEDIA,
    "audio": K.MEDIA,
    "video": K.MEDIA,
    "file": K.MEDIA,
    "background-audio": K.MEDIA,
    "barcode": K.BARCODE,
    **dict.fromkeys(METADATA_TYPES, K.METADATA),
    **{
        f"uri:{name}": K.METADATA
        for name in ("deviceid", "subscriberid", "simserial", "phonenumber", "username", "email")
    },
}
# Valid XLSForm the platform cannot hold, with the reason given to the person importing.
EXTERNAL_CHOICES_REASON = _("its choices live in an external file, which the platform cannot store.")
UNSUPPORTED_TYPES: dict[str, object] = {
    "osm": _("OpenStreetMap questions are not supported."),
    "xml-external": _("external data files are not supported."),
    "csv-external": _("external data files are not supported."),
    "select one external": EXTERNAL_CHOICES_REASON,
}
# A hailong_kind may refine the kind the type implies, within one family only.
KIND_FAMILIES = (frozenset({K.SINGLE, K.YES_NO, K.SATISFACTION}), frozenset({K.TEXT, K.LONG_TEXT}))

RE_BEGIN = re.compile(
    r"^(?P<begin>begin)(\s|_)(?P<control>(" + "|".join(aliases.control) + r"))( (over )?(?P<list>\S+))?$"
)
RE_END = re.compile(r"^end(\s|_)(?P<control>(" + "|".join(aliases.control) + r"))$")
RE_SELECT = re.compile(
    r"^(?P<command>(" + "|".join(map(re.escape, aliases.select)) + r")) (?P<list>\S+)"
    r"( (?P<other>(or specify other|or_other|or other)))?$"
)
RE_OSM = re.compile(r"^osm( \S+)?$")
RE_INCLUDE = re.compile(r"^include( \S+)?$")
RE_PYXFORM_ROW = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
RE_LANGUAGE_CODE = re.compile(r"\(\s*([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*)\s*\)\s*$")
LANGUAGE_NAMES = {
    "english": "en",
    "en": "en",
    "vietnamese": "vi",
    "tiếng việt": "vi",
    "tieng viet": "vi",
    "vi": "vi",
    DEFAULT: DEFAULT,
}
# How export spells a language the definition has no recorded spelling for (e.g. a built-in template).
LANGUAGE_SPELLINGS = {"vi": "Vietnamese (vi)", "en": "English (en)"}

# Survey columns the definition has a field for: pyxform's tokens for the header → field.
SURVEY_FIELDS: dict[tuple[str, ...], str] = {
    ("type",): "type",
    ("name",): "name",
    ("label",): "label",
    ("hint",): "hint",
    ("bind", "required"): "required",
    ("bind", "jr:requiredMsg"): "required_message",
    ("jr:requiredMsg",): "required_message",
    ("bind", "relevant"): "relevant",
    ("bind", "constraint"): "constraint",
    ("bind", "jr:constraintMsg"): "constraint_message",
    ("jr:constraintMsg",): "constraint_message",
    ("bind", "calculate"): "calculation",
    ("default",): "default",
    ("control", "appearance"): "appearance",
    ("choice_filter",): "choice_filter",
    ("parameters",): "parameters",
    ("disabled",): "disabled",
}
TRANSLATED_FIELDS = frozenset({"label", "hint", "required_message", "constraint_message"})
# Survey fields a question keeps as such; any other column of its row goes to ``extra``.
QUESTION_COLUMNS = (
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "appearance",
    "choice_filter",
    "parameters",
)
HAILONG_COLUMNS = ("hailong_kind", "hailong_criterion", "hailong_measure", "hailong_wording")
# The platform's settings columns. An XLSForm title has no languages: hailong_title::<language>
# carries the definition's translated title, form_title the one ODK shows.
HAILONG_SETTINGS = ("hailong_scoring", "hailong_notes", WEB_UNSUPPORTED)
CHOICE_FIELDS: dict[tuple[str, ...], str] = {
    ("list name",): "list_name",
    ("name",): "value",
    ("label",): "label",
}
SETTINGS_FIELDS: dict[tuple[str, ...], str] = {
    ("title",): "title",
    ("id_string",): "form_id",
    ("version",): "form_version",
    ("default_language",): "default_language",
}
# Criterion levels as written in a criteria sheet (any case).
LEVELS = {c.value: c.value for c in CriterionLevel} | {"sub-criterion": CriterionLevel.SUBCRITERION.value}
# Model column lengths, checked here so a long value is a message rather than a database error.
MAX_LENGTHS = {
    "name": 100,
    "xlsform_type": 120,
    "appearance": 100,
    "default": 255,
    "value": 255,
    "list_name": 100,
    "form_id": 100,
    "form_version": 40,
    "default_language": 16,
    "code": 32,
}
# Survey export: column order of the fields, before the extra columns.
SURVEY_EXPORT_ORDER = (
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "calculation",
    "default",
    "appearance",
    "choice_filter",
    "parameters",
    *HAILONG_COLUMNS,
)


# ---------------------------------------------------------------------------------------------------
# Problems


@dataclass(frozen=True)
class SheetProblem:
    """What is wrong, and where: ``column`` is shown as a spreadsheet shows it, e.g. ``D (relevant)``."""

    sheet: str | None
    row: int | None
    column: str | None
    message: object

    def render(self, filename: str) -> str:
        params = {"filename": filename, "sheet": self.sheet, "row": self.row, "column": self.column}
        if self.sheet is None:
            where = _("File {filename}: {message}")
        elif self.row is None and self.column is None:
            where = _("File {filename}, sheet {sheet}: {message}")
        elif self.row is None:
            where = _("File {filename}, sheet {sheet}, column {column}: {message}")
        elif self.column is None:
            where = _("File {filename}, sheet {sheet}, row {row}: {message}")
        else:
            where = _("File {filename}, sheet {sheet}, row {row}, column {column}: {message}")
        return bilingual(lazy_format(where, message=self.message, **params))


class XLSFormRejected(Exception):
    """The form cannot become a questionnaire version; nothing was written."""

    def __init__(self, filename: str, problems: list[SheetProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in {filename}")
        self.filename = filename
        self.problems = problems

    def messages(self) -> list[str]:
        return [p.render(self.filename) for p in self.problems]


@dataclass(frozen=True)
class _Problem:
    problem: SheetProblem
    # pyxform reports this too (unbalanced groups, a row without name…); when pyxform refuses the
    # form on the same row, only its message is shown, so one fault is not listed twice.
    structural: bool = False


class _Refused(Exception):
    """The workbook cannot be read at all; ends reading early."""

    def __init__(self, problem: SheetProblem) -> None:
        super().__init__(str(problem.message))
        self.problem = problem


# ---------------------------------------------------------------------------------------------------
# Reading cells


@dataclass
class _Sheet:
    name: str  # as spelled in the workbook
    headers: list[str]  # per column; "" where the header cell is empty
    rows: list[dict[str, str]]  # rows[i] is spreadsheet row i + 2; only non-empty cells

    def column_of(self, header: str) -> str:
        return f"{column_letter(self.headers.index(header))} ({header})"

    def numbered(self) -> Iterator[tuple[int, dict[str, str]]]:
        for index, row in enumerate(self.rows):
            if row:
                yield index + 2, row

    def pyxform_rows(self) -> tuple[list[dict[str, str]], list[dict[str, None]]]:
        """The shape pyxform's own readers produce (empty rows kept so its row numbers match)."""
        return self.rows, [dict.fromkeys(h for h in self.headers if h)]


def _cell_text(value: Any) -> str:
    """A cell as the text pyxform would read (its xlsx_value_to_str), NFC, without NUL."""
    if value is None:
        return ""
    if value is True or value is False:
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    elif isinstance(value, datetime | time):
        text = str(value)
    elif isinstance(value, date):
        text = str(datetime.combine(value, time()))
    else:
        text = str(value).replace("\u00a0", " ")
    # Some Excel exports and legacy encodings give decomposed Vietnamese; store NFC, as everywhere.
    return unicodedata.normalize("NFC", text).replace("\x00", "").strip()


def _read_sheet(name: str, matrix: list[list[Any]]) -> tuple[_Sheet, list[_Problem]]:
    problems: list[_Problem] = []
    header_cells = matrix[0] if matrix else []
    headers = [re.sub(r" +", " ", _cell_text(c)) for c in header_cells]
    while headers and not headers[-1]:
        headers.pop()
    seen: set[str] = set()
    for index, header in enumerate(headers):
        if header in seen:
            problems.append(
                _Problem(
                    SheetProblem(
                        name,
                        1,
                        f"{column_letter(index)} ({header})",
                        lazy_format(_("The column “{header}” appears twice."), header=header),
                    )
                )
            )
            headers[index] = ""
        elif header:
            seen.add(header)
    rows: list[dict[str, str]] = []
    for cells in matrix[1:]:
        row = {}
        for index, header in enumerate(headers):
            if header and index < len(cells):
                text = _cell_text(cells[index])
                if text:
                    row[header] = text
        rows.append(row)
    while rows and not rows[-1]:
        rows.pop()
    return _Sheet(name=name, headers=headers, rows=rows), problems


def _raw_bytes(file: Path | BinaryIO | bytes) -> bytes:
    if isinstance(file, bytes):
        return file
    if isinstance(file, Path):
        return file.read_bytes()
    # An upload may have been read already (a form sniffing its type): the whole file is meant.
    if file.seekable():
        file.seek(0)
    return file.read()


def _read_workbook(raw: bytes) -> tuple[dict[str, _Sheet], list[str], list[_Problem]]:
    """Sheets by role (survey, choices…, lowercased names as pyxform matches them), all sheet names."""
    if not raw:
        raise _Refused(SheetProblem(None, None, None, _("The file is empty.")))
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        # Chart sheets and macro sheets hold no rows; only worksheets can be part of a form.
        names = [m.name for m in workbook.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        # skip_empty_area=False: row 1 is row 1 even when the sheet starts lower, so numbers match.
        matrices = {name: workbook.get_sheet_by_name(name).to_python(skip_empty_area=False) for name in names}
    except CalamineError as exc:
        # PasswordError is a CalamineError: a protected workbook cannot be read without its password.
        raise _Refused(
            SheetProblem(
                None,
                None,
                None,
                lazy_format(
                    _(
                        "This is not a spreadsheet the platform can read (.xlsx, .xls or .ods), or it is password-protected: {error}"
                    ),
                    error=exc,
                ),
            )
        ) from exc
    except (ValueError, TypeError, OSError) as exc:
        raise _Refused(
            SheetProblem(
                None,
                None,
                None,
                lazy_format(
                    _("This is not a spreadsheet the platform can read (.xlsx, .xls or .ods): {error}"),
                    error=exc,
                ),
            )
        ) from exc
    sheets: dict[str, _Sheet] = {}
    problems: list[_Problem] = []
    for name in names:
        role = name.strip().lower()
        # pyxform reads a workbook's only sheet as the survey, whatever its name.
        if len(names) == 1 and role not in (CHOICES, SETTINGS, CRITERIA, *PYXFORM_OTHER_SHEETS):
            role = SURVEY
        if role in sheets:
            continue
        sheet, sheet_problems = _read_sheet(name, matrices[name])
        sheets[role] = sheet
        problems.extend(sheet_problems)
    return sheets, names, problems


# ---------------------------------------------------------------------------------------------------
# Columns


def language_key(spelling: str | None) -> str:
    """``English (en)`` → ``en``; ``Vietnamese`` → ``vi``; ``Chinese`` → ``chinese``; none → ``default``."""
    if spelling is None or not spelling.strip():
        return DEFAULT
    match = RE_LANGUAGE_CODE.search(spelling)
    if match:
        return match.group(1).lower()
    lowered = spelling.strip().lower()
    return LANGUAGE_NAMES.get(lowered, lowered)


@dataclass(frozen=True)
class _Column:
    header: str
    field: str | None  # the definition field; None for a column kept in ``extra`` / ``settings``
    key: str  # where it goes in ``extra`` or ``settings``
    language: str | None = None  # spelling after "::" for a translated column
    translated: bool = False


def _extra_key(header: str, double_colon: bool) -> str:
    """The header as export writes it: always with ``::`` between parts, as pyxform reads it."""
    if double_colon or ":" not in header:
        return header
    tokens = [t.strip() for t in header.split(":")]
    # pyxform keeps "jr:" namespaced names together ("bind:jr:noAppErrorString").
    while "jr" in tokens[:-1]:
        index = tokens.index("jr")
        tokens[index : index + 2] = [f"jr:{tokens[index + 1]}"]
    return "::".join(tokens)


def _classify(
    header: str, double_colon: bool, fields: dict[tuple[str, ...], str], header_aliases: dict, known: set[str]
) -> _Column:
    """What a column holds, read as pyxform reads headers (aliases, ``::`` or ``:`` between parts)."""
    snake = to_snake_case(header)
    if snake in (*HAILONG_COLUMNS, *HAILONG_SETTINGS):
        return _Column(header, snake, snake)
    base, _sep, language = header.replace("::", ":").partition(":")
    if to_snake_case(base) == "hailong_title":
        return _Column(header, "hailong_title", "hailong_title", language.strip() or None, True)
    _new, tokens = process_header(header, double_colon, header_aliases, known)
    for prefix, name in fields.items():
        if tokens[: len(prefix)] != prefix:
            continue
        rest = tokens[len(prefix) :]
        if not rest:
            return _Column(header, name, name, None, name in TRANSLATED_FIELDS)
        if len(rest) == 1 and name in TRANSLATED_FIELDS:
            return _Column(header, name, name, rest[0], True)
    if tokens[0] == "media" and len(tokens) in (2, 3):
        return _Column(header, None, tokens[1], tokens[2] if len(tokens) == 3 else None, True)
    if tokens[0] == "guidance_hint" and len(tokens) <= 2:
        return _Column(header, None, "guidance_hint", tokens[1] if len(tokens) == 2 else None, True)
    return _Column(header, None, _extra_key(header, double_colon))


def _columns(sheet: _Sheet, role: str) -> dict[str, _Column]:
    double_colon = any("::" in h for h in sheet.headers)
    if role == SURVEY:
        spec = (SURVEY_FIELDS, aliases.survey_header, set(MultipleChoiceQuestion.get_slot_names()))
    elif role == CHOICES:
        spec = (CHOICE_FIELDS, aliases.list_header, set(Option.get_slot_names()))
    else:
        spec = (SETTINGS_FIELDS, aliases.settings_header, set(Survey.get_slot_names()))
    return {h: _classify(h, double_colon, *spec) for h in sheet.headers if h}


def _clean(value: str, column: _Column, *, strip_whitespace: bool) -> str:
    """pyxform's cleaning (smart quotes to plain, runs of spaces to one) where it matters: in types,
    names and expressions. Texts people read (labels, hints, messages) keep their typography."""
    return value if column.translated else clean_text_values(value, strip_whitespace=strip_whitespace)


def _parse_bool(text: str) -> bool | None:
    """yes/true/no/false (pyxform's spellings) → bool; anything else (an expression) → None."""
    return aliases.yes_no.get(text)


# ---------------------------------------------------------------------------------------------------
# Kinds


def _kind_from_pyxform(entry: dict) -> QuestionKind | None:
    """The kind of a legacy type spelling, from the XForm control pyxform makes for it."""
    tag = entry.get("control", {}).get("tag")
    bind = entry.get("bind", {})
    by_tag = {"select1": K.SINGLE, "select": K.MULTIPLE, "odk:rank": K.RANKING, "trigger": K.ACKNOWLEDGE}
    if tag in by_tag:
        return by_tag[tag]
    if tag is None or tag == "action":
        return K.METADATA if bind.get("jr:preload") or tag == "action" else K.CALCULATE
    if bind.get("readonly") == "true()":
        return K.NOTE
    by_bind = {
        "geopoint": K.GEOPOINT,
        "geotrace": K.GEOPOINT,
        "geoshape": K.GEOPOINT,
        "barcode": K.BARCODE,
        "binary": K.MEDIA,
        "int": K.INTEGER,
        "decimal": K.DECIMAL,
        "date": K.DATE,
        "time": K.TIME,
        "dateTime": K.DATETIME,
        "string": K.TEXT,
    }
    return by_bind.get(bind.get("type"))


@dataclass(frozen=True)
class _Type:
    kind: QuestionKind | None = None
    choice_list: str | None = None
    unsupported: object = None  # reason the type is refused
    specify_other: bool = False


def _parse_type(type_text: str, appearance: str, choice_lists: dict[str, list[dict]]) -> _Type:
    """What a survey row's type means for the platform (begin/end rows are handled before)."""
    text = " ".join(type_text.split())
    if text in UNSUPPORTED_TYPES:
        return _Type(unsupported=UNSUPPORTED_TYPES[text])
    select = RE_SELECT.match(text)
    if select:
        command, list_name = select["command"], select["list"]
        if command in aliases.select_from_file or command == "select_one_external":
            return _Type(unsupported=EXTERNAL_CHOICES_REASON)
        if Path(list_name).suffix.lower() in (".csv", ".xml", ".geojson"):
            return _Type(unsupported=EXTERNAL_CHOICES_REASON)
        if "${" in list_name:
            return _Type(
                unsupported=_("its choices are the answers to a repeat, which the platform cannot show.")
            )
        pyxform_kind = aliases.select[command]
        if pyxform_kind == "rank":
            kind = K.RANKING
        elif pyxform_kind == "select all that apply":
            kind = K.MULTIPLE
        else:
            values = {c["value"] for c in choice_lists.get(list_name, [])}
            kind = K.YES_NO if values == {"yes", "no"} else K.SINGLE
        return _Type(kind=kind, choice_list=list_name, specify_other=bool(select["other"]))
    if RE_OSM.match(text):
        return _Type(unsupported=UNSUPPORTED_TYPES["osm"])
    if RE_INCLUDE.match(text):
        return _Type(
            unsupported=_(
                "it pulls in another XLSForm file, which the platform cannot do; copy that form's rows in instead."
            )
        )
    base = aliases._type_alias_map.get(text, text)
    kind = KIND_BY_TYPE.get(base)
    if kind is None and base in QUESTION_TYPE_DICT:
        kind = _kind_from_pyxform(QUESTION_TYPE_DICT[base])
    if kind is None:
        return _Type()  # unknown
    if kind == K.TEXT and "multiline" in appearance.split():
        kind = K.LONG_TEXT
    return _Type(kind=kind)


def inferred_kind(question: dict, choice_lists: dict[str, list[dict]]) -> QuestionKind | None:
    """The kind a question's XLSForm type implies (what ``hailong_kind`` may override)."""
    return _parse_type(
        question.get("xlsform_type") or "", question.get("appearance") or "", choice_lists
    ).kind


def _kind_fits(kind: str, inferred: QuestionKind) -> bool:
    return kind == inferred or any(kind in family and inferred in family for family in KIND_FAMILIES)


# ---------------------------------------------------------------------------------------------------
# Reading a form


@dataclass
class _Reader:
    """One workbook being read into a definition; collects problems instead of stopping at the first."""

    sheets: dict[str, _Sheet]
    filename: str
    problems: list[_Problem] = field(default_factory=list)
    warnings: list[SheetProblem] = field(default_factory=list)
    languages: dict[str, str] = field(default_factory=dict)
    web_unsupported: list[dict] = field(default_factory=list)
    # Item name → [(row, {field: column label})], to place definition_problems() back on the sheet.
    places: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    clean_whitespace: bool = True
    survey_settings: dict[str, str] = field(default_factory=dict)
    choice_lists: dict[str, list[dict]] = field(default_factory=dict)
    # required-column expressions, checked for unknown names once every name is known.
    required_references: list[tuple[_Sheet, int, str | None, str, set[str]]] = field(default_factory=list)

    # -- helpers

    def problem(
        self,
        sheet: _Sheet | str | None,
        row: int | None,
        column: str | None,
        message: object,
        *,
        structural: bool = False,
        **params: object,
    ) -> None:
        """Record a problem; ``params`` fill the ``{placeholders}`` of ``message``."""
        name = sheet.name if isinstance(sheet, _Sheet) else sheet
        text = lazy_format(message, **params) if params else message
        self.problems.append(_Problem(SheetProblem(name, row, column, text), structural))

    def warn(self, sheet: _Sheet, row: int | None, column: str | None, message: object) -> None:
        self.warnings.append(SheetProblem(sheet.name, row, column, message))

    def text(self, column: _Column, value: str, target: dict) -> None:
        """Put a translated cell into ``target`` under its language key, remembering the spelling."""
        key = language_key(column.language)
        if key != DEFAULT:
            self.languages.setdefault(key, column.language or key)
        target[key] = value

    def check_length(self, sheet: _Sheet, row: int, column: str | None, what: str, value: str) -> None:
        limit = MAX_LENGTHS[what]
        if len(value) > limit:
            self.problem(
                sheet,
                row,
                column,
                _("“{value}” is too long: at most {limit} characters."),
                value=value[:60],
                limit=limit,
            )

    def language_conflicts(self, sheet: _Sheet, columns: dict[str, _Column]) -> None:
        seen: dict[tuple[str | None, str, str], str] = {}
        for header, column in columns.items():
            if not column.translated:
                continue
            slot = (column.field, column.key, language_key(column.language))
            if slot in seen:
                self.problem(
                    sheet,
                    1,
                    sheet.column_of(header),
                    _("Columns “{first}” and “{second}” give the same text in the same language."),
                    first=seen[slot],
                    second=header,
                )
            seen[slot] = header

    def unsupported(self, name: str, field_name: str, message: object) -> None:
        """Something only ODK Collect can do: the form is kept, the web form will say so."""
        with override("en"):
            self.web_unsupported.append({"name": name, "field": field_name, "message": str(message)})

    # -- settings

    def read_settings(self) -> dict:
        sheet = self.sheets.get(SETTINGS)
        result: dict[str, Any] = {"settings": {}}
        if sheet is None:
            return result
        columns = _columns(sheet, SETTINGS)
        # pyxform reads the first row under the headers only.
        for header, value in (sheet.rows[0] if sheet.rows else {}).items():
            field_name, where = columns[header].field, sheet.column_of(header)
            if field_name in ("title", "form_id", "form_version", "default_language"):
                # pyxform ignores id_string when form_id is also given; so do we.
                if field_name == "form_id" and "form_id" in result and to_snake_case(header) == "id_string":
                    continue
                result[field_name] = value
                if field_name in MAX_LENGTHS:
                    self.check_length(sheet, 2, where, field_name, value)
            elif field_name == "hailong_title":
                self.text(columns[header], value, result.setdefault("titles", {}))
            elif field_name == "hailong_notes":
                result["notes"] = value
            elif field_name == "hailong_scoring":
                try:
                    scoring = json.loads(value)
                except ValueError as exc:
                    self.problem(sheet, 2, where, _("This is not valid JSON: {error}"), error=exc)
                    continue
                if isinstance(scoring, dict):
                    result["scoring"] = scoring
                else:
                    self.problem(sheet, 2, where, _("The scoring settings must be a JSON object."))
            elif field_name != WEB_UNSUPPORTED:  # that one is derived on every import, never read back
                result["settings"][columns[header].key] = value
        self.clean_whitespace = aliases.yes_no.get(result["settings"].get("clean_text_values", "yes"), True)
        if any(sheet.rows[1:]):
            self.warn(sheet, 3, None, _("Only the first row of settings is read; later rows are ignored."))
        return result

    # -- choices

    def read_choices(self) -> dict[str, list[dict]]:
        sheet = self.sheets.get(CHOICES)
        lists: dict[str, list[dict]] = {}
        if sheet is None:
            return lists
        columns = _columns(sheet, CHOICES)
        self.language_conflicts(sheet, columns)
        header_of = {c.field: h for h, c in columns.items() if c.field}
        value_column = sheet.column_of(header_of["value"]) if "value" in header_of else None
        for number, row in sheet.numbered():
            cells = {h: _clean(v, columns[h], strip_whitespace=False) for h, v in row.items()}
            list_name, value = (
                cells.get(header_of.get("list_name", ""), ""),
                cells.get(header_of.get("value", ""), ""),
            )
            if not list_name:
                if value:
                    self.warn(sheet, number, None, _("This choice has no list_name and is ignored."))
                continue
            self.check_length(sheet, number, sheet.column_of(header_of["list_name"]), "list_name", list_name)
            if not value:
                self.problem(
                    sheet,
                    number,
                    value_column,
                    _("This choice has no name (the value stored as the answer)."),
                )
                continue
            self.check_length(sheet, number, value_column, "value", value)
            choices = lists.setdefault(list_name, [])
            if any(c["value"] == value for c in choices):
                # pyxform allows this with allow_choice_duplicates; the platform stores answers by
                # value (and the database keeps values unique), so two such choices cannot be told apart.
                self.problem(
                    sheet,
                    number,
                    value_column,
                    _("The value “{value}” appears twice in the list “{list}”."),
                    value=value,
                    list=list_name,
                )
                continue
            choice: dict[str, Any] = {"value": value, "label": {}, "extra": {}}
            self.fill(choice, cells, columns, ("label",))
            choices.append(choice)
        return lists

    # -- criteria

    def criteria_columns(self, sheet: _Sheet) -> dict[str, _Column]:
        """code, level, parent, weight, wording, and name / name::<language>; other columns are ignored."""
        columns: dict[str, _Column] = {}
        for header in filter(None, sheet.headers):
            name, _sep, language = header.replace("::", ":").partition(":")
            name = to_snake_case(name)
            if name in ("code", "level", "parent", "weight", "wording") and not language:
                columns[header] = _Column(header, name, name)
            elif name == "name":
                columns[header] = _Column(header, "name", "name", language.strip() or None, True)
            else:
                self.warn(
                    sheet,
                    1,
                    sheet.column_of(header),
                    _("This column is not part of the criteria sheet and is ignored."),
                )
        for needed in ("code", "level"):
            if not any(c.field == needed for c in columns.values()):
                self.problem(
                    sheet, 1, None, _("The criteria sheet needs a “{column}” column."), column=needed
                )
        return columns

    def read_criteria(self) -> list[dict]:
        sheet = self.sheets.get(CRITERIA)
        if sheet is None:
            return []
        columns = self.criteria_columns(sheet)
        criteria: list[dict] = []
        codes: set[str] = set()
        for number, row in sheet.numbered():
            criterion = self.criterion(sheet, number, row, columns, codes)
            if criterion is not None:
                codes.add(criterion["code"])
                criteria.append(criterion)
        return criteria

    def criterion(
        self, sheet: _Sheet, number: int, row: dict[str, str], columns: dict[str, _Column], codes: set[str]
    ) -> dict | None:
        criterion: dict[str, Any] = {
            "code": "",
            "level": "",
            "name": {},
            "parent": None,
            "weight": "1",
            "wording": "default",
        }
        where = {c.field: sheet.column_of(h) for h, c in columns.items()}
        for header, text in row.items():
            column = columns.get(header)
            if column is None:
                continue
            if column.field == "name":
                self.text(column, text, criterion["name"])
            elif column.field == "weight":
                criterion["weight"] = self.weight(sheet, number, where["weight"], text)
            else:
                criterion[column.field] = text
        code, level = criterion["code"], criterion["level"]
        if not code:
            self.problem(sheet, number, where.get("code"), _("This criterion has no code."))
            return None
        self.check_length(sheet, number, where.get("code"), "code", code)
        if code in codes:
            self.problem(sheet, number, where["code"], _("The code {code} is used twice."), code=code)
            return None
        criterion["level"] = LEVELS.get(level.lower(), "")
        if not level and "level" in where:
            self.problem(sheet, number, where["level"], _("This criterion has no level."))
        elif level and not criterion["level"]:
            self.problem(
                sheet,
                number,
                where["level"],
                _("Unknown level “{level}”: use pillar, element, criterion or subcriterion."),
                level=level,
            )
        if criterion["parent"] is not None and criterion["parent"] not in codes:
            # Parents come first: the services create criteria in sheet order.
            self.problem(
                sheet,
                number,
                where["parent"],
                _("The parent “{code}” is not a code on an earlier row."),
                code=criterion["parent"],
            )
        if criterion["wording"] not in WordingSource.values:
            self.problem(
                sheet,
                number,
                where["wording"],
                _("Unknown wording “{wording}”: use official, default or local."),
                wording=criterion["wording"],
            )
        return criterion

    def weight(self, sheet: _Sheet, number: int, where: str, text: str) -> str:
        try:
            weight = Decimal(text)
        except InvalidOperation:
            weight = Decimal("NaN")
        # Criterion.weight is DECIMAL(8, 4): 0 to 9999.9999, four decimals at most.
        if not weight.is_finite() or not 0 <= weight < 10_000 or weight != weight.quantize(Decimal("0.0001")):
            self.problem(
                sheet,
                number,
                where,
                _("The weight “{weight}” is not a number from 0 to 9999.9999."),
                weight=text,
            )
            return "1"
        return format(weight.normalize(), "f")

    # -- survey

    def read_survey(self) -> list[dict]:
        sheet = self.sheets[SURVEY]
        columns = _columns(sheet, SURVEY)
        self.language_conflicts(sheet, columns)
        if not any(c.field == "type" for c in columns.values()):
            self.problem(sheet, 1, None, _("The survey sheet needs a “type” column."), structural=True)
            return []
        root: list[dict] = []
        # Open sections: (section, its begin row, the control an "end …" row must close).
        stack: list[tuple[dict, int, str]] = []
        for number, row in sheet.numbered():
            cells = {h: _clean(v, columns[h], strip_whitespace=self.clean_whitespace) for h, v in row.items()}
            header_of = {columns[h].field: h for h in cells if columns[h].field}
            if "disabled" in header_of and _parse_bool(cells[header_of["disabled"]]):
                self.warn(sheet, number, None, _("This row is disabled and was left out."))
                continue
            type_text = cells.get(header_of.get("type", ""), "")
            if not type_text:
                if "name" in header_of or "label" in header_of:
                    self.problem(
                        sheet, number, None, _("This row has a name or label but no type."), structural=True
                    )
                continue  # a comment row, as pyxform treats it
            plain = " ".join(type_text.split())
            items = stack[-1][0]["items"] if stack else root
            if plain in aliases.settings_header:
                # A setting written as a survey row ("form_title | My form"), as pyxform allows.
                self.survey_settings[aliases.settings_header[plain]] = cells.get(
                    header_of.get("name", ""), ""
                )
            elif end := RE_END.match(plain):
                if stack and stack[-1][2] == aliases.control[end["control"]]:
                    stack.pop()
                else:
                    self.problem(
                        sheet,
                        number,
                        sheet.column_of(header_of["type"]),
                        _("“{type}” does not close an open group, repeat or loop."),
                        structural=True,
                        type=type_text,
                    )
            elif begin := RE_BEGIN.match(plain):
                control = aliases.control[begin["control"]]
                section = self.section(sheet, number, cells, columns, plain, control, begin["list"])
                if section is not None:
                    items.append(section)
                    stack.append((section, number, control))
            elif question := self.question(sheet, number, cells, columns, type_text):
                items.append(question)
        for section, number, control in stack:
            self.problem(
                sheet,
                number,
                None,
                _("“{name}” is never closed: add an “end {control}” row."),
                structural=True,
                name=section["name"],
                control=control,
            )
        return root

    def named(
        self, sheet: _Sheet, number: int, cells: dict[str, str], columns: dict[str, _Column], name: str | None
    ) -> str | None:
        """The row's name (or ``name`` when pyxform fixes it), remembered with the row's columns."""
        name_header = next((h for h in cells if columns[h].field == "name"), None)
        name = name or (cells[name_header] if name_header else "")
        if not name:
            self.problem(sheet, number, None, _("This row has no name."), structural=True)
            return None
        self.check_length(sheet, number, sheet.column_of(name_header) if name_header else None, "name", name)
        places = {c.field: sheet.column_of(h) for h, c in columns.items() if c.field}
        self.places.setdefault(name, []).append((number, places))
        return name

    def fill(
        self, item: dict, cells: dict[str, str], columns: dict[str, _Column], own: tuple[str, ...]
    ) -> None:
        """Copy a row's cells into ``item``: its own fields, and every other column into ``extra``."""
        for header, value in cells.items():
            column = columns[header]
            if column.field in ("type", "name", "list_name", "value"):
                continue
            target = item if column.field in own else item["extra"]
            key = column.field if column.field in own else column.key
            if column.translated:
                self.text(column, value, target.setdefault(key, {}))
            else:
                target[key] = value

    def section(
        self,
        sheet: _Sheet,
        number: int,
        cells: dict[str, str],
        columns: dict[str, _Column],
        plain: str,
        control: str,
        list_name: str | None,
    ) -> dict | None:
        name = self.named(sheet, number, cells, columns, None)
        if name is None:
            return None
        section = {
            "type": "section",
            "name": name,
            "label": {},
            "relevant": "",
            "repeat": control != "group",
            "appearance": "",
            "extra": {},
            "items": [],
        }
        self.fill(section, cells, columns, ("label", "relevant", "appearance"))
        self.check_length(sheet, number, None, "appearance", section["appearance"])
        if control == "loop":
            # pyxform copies the loop's questions once per choice of the list. The definition has
            # no such thing: the type is kept for export, and the web form cannot show it.
            section["extra"]["type"] = plain
            self.unsupported(name, "type", _("A loop over a choice list is only expanded by ODK."))
        return section

    def question(
        self, sheet: _Sheet, number: int, cells: dict[str, str], columns: dict[str, _Column], type_text: str
    ) -> dict | None:
        plain = " ".join(type_text.split())
        type_column = sheet.column_of(next(h for h, c in columns.items() if c.field == "type"))
        appearance = next((cells[h] for h in cells if columns[h].field == "appearance"), "")
        parsed = _parse_type(plain, appearance, self.choice_lists)
        if parsed.unsupported is not None:
            self.problem(
                sheet,
                number,
                type_column,
                _("Unsupported question type “{type}”: {reason}"),
                type=type_text,
                reason=parsed.unsupported,
            )
            return None
        if parsed.kind is None:
            self.problem(
                sheet,
                number,
                type_column,
                _("Unknown question type “{type}”."),
                structural=True,
                type=type_text,
            )
            return None
        base = aliases._type_alias_map.get(plain, plain)
        # pyxform names unnamed notes itself and always names the audit "audit"; so do we.
        fixed_name = None
        if base == "audit":
            fixed_name = "audit"
        elif base == "note" and not any(columns[h].field == "name" for h in cells):
            fixed_name = f"generated_note_name_{number}"
        name = self.named(sheet, number, cells, columns, fixed_name)
        if name is None:
            return None
        question: dict[str, Any] = {
            "type": "question",
            "name": name,
            "kind": parsed.kind.value,
            "xlsform_type": type_text,
            "label": {},
            "hint": {},
            "required": False,
            "required_message": {},
            "relevant": "",
            "constraint": "",
            "constraint_message": {},
            "calculation": "",
            "default": "",
            "appearance": "",
            "choice_list": parsed.choice_list,
            "choice_filter": "",
            "parameters": {},
            "criterion": None,
            "measure": "",
            "wording": WordingSource.DEFAULT.value,
            "extra": {},
        }
        self.fill(question, cells, columns, (*QUESTION_COLUMNS, *HAILONG_COLUMNS))
        self.check_length(sheet, number, type_column, "xlsform_type", type_text)
        for what in ("default", "appearance"):
            self.check_length(sheet, number, self.column_for(sheet, columns, what), what, question[what])
        self.required(sheet, number, question, columns)
        self.parameters(sheet, number, question, columns)
        self.annotations(sheet, number, question, columns, parsed.kind)
        if parsed.specify_other:
            self.unsupported(
                name, "type", _("“or specify other” adds a choice and a text question that only ODK creates.")
            )
        return question

    def column_for(self, sheet: _Sheet, columns: dict[str, _Column], field_name: str) -> str | None:
        return next((sheet.column_of(h) for h, c in columns.items() if c.field == field_name), None)

    def required(self, sheet: _Sheet, number: int, question: dict, columns: dict[str, _Column]) -> None:
        text = question["required"]
        if isinstance(text, bool):
            return
        flag = _parse_bool(text)
        if flag is not None:
            question["required"] = flag
            return
        # An expression ("${age} > 18"): required only sometimes. The definition's flag stays off and
        # the expression is kept (extra["required"]) for export and for the collection module.
        question["required"] = False
        question["extra"]["required"] = text
        where = self.column_for(sheet, columns, "required")
        try:
            ast = compile_expression(text)
        except ExpressionError as exc:
            message = lazy_format(
                _("Cannot understand “{expression}”: {reason}"), expression=text, reason=exc.message
            )
            if exc.unsupported_function is not None:
                self.unsupported(question["name"], "required", message)
            else:
                self.problem(sheet, number, where, message)
            return
        self.required_references.append((sheet, number, where, text, references(ast)))

    def parameters(self, sheet: _Sheet, number: int, question: dict, columns: dict[str, _Column]) -> None:
        text = question["parameters"]
        if not isinstance(text, str):
            return
        try:
            question["parameters"] = parse_parameters(text, number)
        except PyXFormError:
            question["parameters"] = {}
            self.problem(
                sheet,
                number,
                self.column_for(sheet, columns, "parameters"),
                _(
                    "Cannot read the parameters “{parameters}”: write them as name=value pairs separated by spaces."
                ),
                parameters=text,
            )

    def annotations(
        self, sheet: _Sheet, number: int, question: dict, columns: dict[str, _Column], inferred: QuestionKind
    ) -> None:
        """The platform's own columns: hailong_kind, hailong_criterion, hailong_measure, hailong_wording."""
        kind = question.pop("hailong_kind", "")
        if kind not in ("", *QuestionKind.values):
            self.problem(
                sheet,
                number,
                self.column_for(sheet, columns, "hailong_kind"),
                _("Unknown kind “{kind}”; use one of: {kinds}."),
                kind=kind,
                kinds=", ".join(QuestionKind.values),
            )
        elif kind and not _kind_fits(kind, inferred):
            self.problem(
                sheet,
                number,
                self.column_for(sheet, columns, "hailong_kind"),
                _("The kind “{kind}” does not fit the XLSForm type “{type}”."),
                kind=kind,
                type=question["xlsform_type"],
            )
        elif kind:
            question["kind"] = kind
        question["criterion"] = (
            question.pop("hailong_criterion", "") or None
        )  # checked by definition_problems
        question["measure"] = question.pop("hailong_measure", "")
        if question["measure"] not in ("", *Measure.values):
            self.problem(
                sheet,
                number,
                self.column_for(sheet, columns, "hailong_measure"),
                _("Unknown measure “{measure}”; use one of: {measures}."),
                measure=question["measure"],
                measures=", ".join(Measure.values),
            )
        question["wording"] = question.pop("hailong_wording", "") or WordingSource.DEFAULT.value
        if question["wording"] not in WordingSource.values:
            self.problem(
                sheet,
                number,
                self.column_for(sheet, columns, "hailong_wording"),
                _("Unknown wording “{wording}”: use official, default or local."),
                wording=question["wording"],
            )

    # -- the whole form

    def read(self) -> dict:
        if SURVEY not in self.sheets:
            raise _Refused(SheetProblem(None, None, None, _("The workbook has no sheet named “survey”.")))
        for role, sheet in self.sheets.items():
            if role == "entities" and sheet.rows:
                self.problem(
                    sheet, None, None, _("Entities (ODK's shared data between forms) are not supported.")
                )
            elif role not in (SURVEY, CHOICES, SETTINGS, CRITERIA):
                self.warn(sheet, None, None, _("This sheet is not used by the platform and is ignored."))
        head = self.read_settings()
        self.choice_lists = self.read_choices()
        criteria = self.read_criteria()
        items = self.read_survey()
        title = self.survey_settings.get("title", head.get("title", ""))
        form_id = self.survey_settings.get("id_string", head.get("form_id", "")) or _slug(
            Path(self.filename).stem, "form"
        )
        default_language = language_key(head.get("default_language"))
        if default_language != DEFAULT:
            self.languages.setdefault(default_language, head["default_language"])
        settings = head["settings"] | {
            k: v for k, v in self.survey_settings.items() if k not in ("title", "id_string")
        }
        definition = {
            "form_id": form_id,
            "form_version": head.get("form_version", ""),
            "title": head.get("titles") or {DEFAULT: title or form_id},
            "default_language": default_language,
            "languages": self.languages,
            "scoring": head.get("scoring", {}),
            "settings": settings,
            "notes": head.get("notes", ""),
            "criteria": criteria,
            "choice_lists": self.choice_lists,
            "items": items,
        }
        # The platform's rules assume a well-formed survey; with a broken one, pyxform's word stands.
        if not any(p.structural for p in self.problems):
            self.check_definition(definition)
        if self.web_unsupported:
            settings[WEB_UNSUPPORTED] = self.web_unsupported
        return definition

    def place(
        self, name: str | None, field_name: str | None, *, first: bool
    ) -> tuple[int | None, str | None]:
        rows = self.places.get(name or "")
        if not rows:
            return None, None
        number, columns = rows[0] if first else rows[-1]
        return number, columns.get({"criterion": "hailong_criterion"}.get(field_name or "", field_name or ""))

    def check_definition(self, definition: dict) -> None:
        """The platform's own rules (names, expressions, lists, criteria), placed back on the sheet."""
        sheet = self.sheets[SURVEY].name
        for found in services.definition_problems(definition):
            if found.unsupported:
                self.unsupported(found.name or "", found.field or "", found.message)
                continue
            # A name used twice is reported on its later row; everything else on its first.
            number, column = self.place(found.name, found.field, first=found.field != "name")
            self.problem(sheet, number, column, found.message)
        names = {
            i["name"] for i in [*iter_sections(definition["items"]), *iter_questions(definition["items"])]
        }
        for required_sheet, number, column, text, used in self.required_references:
            if used - names:
                self.problem(
                    required_sheet,
                    number,
                    column,
                    _("“{expression}” refers to unknown question(s): {names}"),
                    expression=text,
                    names=", ".join(sorted(used - names)),
                )


def _slug(text: str, fallback: str) -> str:
    # slugify drops what NFKD cannot reduce to ASCII; Vietnamese đ is the one letter that needs help.
    return slugify(text.replace("đ", "d").replace("Đ", "D")) or fallback


# ---------------------------------------------------------------------------------------------------
# pyxform


def _pyxform_check(
    sheets: dict[str, _Sheet], names: list[str], filename: str, warnings: list[SheetProblem]
) -> SheetProblem | None:
    """Convert the cells as ODK Central would; pyxform's refusal (if any) as a problem on the sheet."""
    workbook: dict[str, Any] = {"sheet_names": names, "fallback_form_name": Path(filename).stem or "data"}
    for role in (SURVEY, CHOICES, SETTINGS, *PYXFORM_OTHER_SHEETS):
        if role in sheets:
            workbook[role], workbook[f"{role}_header"] = sheets[role].pyxform_rows()
    found: list[str] = []
    try:
        convert(workbook, warnings=found, validate=False)
    except PyXFormError as exc:
        return _pyxform_problem(str(exc), exc.context, sheets)
    except Exception as exc:
        # pyxform fails on some malformed input with plain KeyError/TypeError/…; still a message.
        return SheetProblem(
            None,
            None,
            None,
            lazy_format(
                _("The XLSForm converter (pyxform) failed on this form: {error}"),
                error=f"{type(exc).__name__}: {exc}",
            ),
        )
    for text in found:
        problem = _pyxform_problem(text, {}, sheets)
        warnings.append(problem)
    return None


def _pyxform_problem(text: str, context: dict, sheets: dict[str, _Sheet]) -> SheetProblem:
    match = RE_PYXFORM_ROW.match(text)
    row = context.get("row") or (int(match.group(1)) if match else None)
    detail = text[match.end() :] if match else text
    sheet_match = re.search(r"(?:On the|sheet:?)\s*'(\w+)'(?: sheet)?", detail)
    role = (
        context.get("sheet") or context.get("sheet_name") or (sheet_match.group(1) if sheet_match else "")
    ).lower()
    if not role and row is not None:
        role = SURVEY  # pyxform's "[row : n]" messages without a sheet are about the survey sheet
    sheet = sheets.get(role)
    column = None
    header_match = re.search(
        r"Headers that are different names for the same column were found: '([^']+)', '([^']+)'", detail
    )
    named = context.get("column") or (header_match.group(2) if header_match else None)
    if named is None:
        value_match = re.search(r"the '([^']+)' value", detail)
        named = value_match.group(1) if value_match else None
    if sheet is not None and named:
        if named in sheet.headers:
            column = sheet.column_of(named)
        else:
            column = next(
                (
                    sheet.column_of(h)
                    for h in sheet.headers
                    if h and to_snake_case(h.split(":")[0]) == to_snake_case(named)
                ),
                None,
            )
        if header_match and row is None:
            row = 1
    message = lazy_format(_("{error} (reported by pyxform, the XLSForm converter)"), error=detail.strip())
    return SheetProblem(sheet.name if sheet else (role or None), row, column, message)


# ---------------------------------------------------------------------------------------------------
# Public API: import


def read_xlsform(
    file: Path | BinaryIO | bytes, filename: str, *, warnings: list[SheetProblem] | None = None
) -> dict:
    """The definition an XLSForm holds; raises :class:`XLSFormRejected` listing every problem found.

    ``warnings`` (optional) receives what is worth telling but does not refuse the form: sheets
    ignored, pyxform's warnings, disabled rows.
    """
    warnings = warnings if warnings is not None else []
    try:
        sheets, names, problems = _read_workbook(_raw_bytes(file))
        reader = _Reader(sheets=sheets, filename=filename, problems=problems)
        definition = reader.read()
    except _Refused as refused:
        raise XLSFormRejected(filename, [refused.problem]) from None
    warnings.extend(reader.warnings)
    refusal = _pyxform_check(sheets, names, filename, warnings)
    found = [p.problem for p in reader.problems]
    if refusal is not None:
        # One fault, one message: pyxform's refusal replaces our structural finding on its row, and
        # gives way to our own (translated) message about the very same cell.
        spot = (refusal.sheet, refusal.row)
        found = [
            p.problem
            for p in reader.problems
            if not (p.structural and (p.problem.sheet, p.problem.row) == spot)
        ]
        if not any((p.sheet, p.row, p.column) == (*spot, refusal.column) for p in found if refusal.column):
            found.insert(0, refusal)
    if found:
        order = {s.name: i for i, s in enumerate(sheets.values())}
        found.sort(key=lambda p: (order.get(p.sheet, -1), p.row or 0, _column_index(p.column)))
        raise XLSFormRejected(filename, found)
    return definition


def _column_index(column: str | None) -> tuple[int, str]:
    """Sort key of ``AB (name)``: by length, then letters, as spreadsheets order columns."""
    letters = (column or "").split(" ", 1)[0]
    return len(letters), letters


def _unique_code(form_id: str) -> str:
    base = _slug(form_id, "questionnaire")[:56]
    code, n = base, 1
    while Questionnaire.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def _validation_problems(exc: ValidationError) -> list[SheetProblem]:
    # validation_messages keeps them translatable, so both languages are rendered properly.
    return [SheetProblem(None, None, None, message) for _field, message in validation_messages(exc)]


def xlsform_import(
    *,
    file: Path | BinaryIO | bytes,
    filename: str,
    owner: Unit,
    questionnaire: Questionnaire | None = None,
    warnings: list[SheetProblem] | None = None,
) -> QuestionnaireVersion:
    """A new draft version from an XLSForm (and a new questionnaire unless one is given). All or nothing."""
    definition = read_xlsform(file, filename, warnings=warnings)
    try:
        with transaction.atomic():
            if questionnaire is None:
                questionnaire = services.questionnaire_create(
                    code=_unique_code(definition["form_id"]), title=definition["title"], owner=owner
                )
            return services.version_create(
                questionnaire=questionnaire,
                definition=definition,
                source=VersionSource.XLSFORM,
                source_filename=filename[:255],
            )
    except ValidationError as exc:
        raise XLSFormRejected(filename, _validation_problems(exc)) from None
    except DatabaseError as exc:
        # Lengths and uniqueness are checked while reading; this is the last line, so the person
        # importing still gets a message rather than a server error.
        raise XLSFormRejected(
            filename,
            [
                SheetProblem(
                    None, None, None, lazy_format(_("The database refused the form: {error}"), error=exc)
                )
            ],
        ) from None


# ---------------------------------------------------------------------------------------------------
# Export


def _spelling(definition: dict, language: str) -> str:
    return (definition.get("languages") or {}).get(language) or LANGUAGE_SPELLINGS.get(language) or language


def _header(definition: dict, name: str, language: str) -> str:
    return name if language == DEFAULT else f"{name}::{_spelling(definition, language)}"


class _SheetWriter:
    """Rows as {header: text}; columns ordered as ``order`` says, the rest in first-seen order."""

    def __init__(self, order: list[str]) -> None:
        self.order = order
        self.rows: list[dict[str, str]] = []

    def add(self, row: dict[str, str]) -> None:
        self.rows.append({h: v for h, v in row.items() if v not in ("", None)})

    def write(self, sheet) -> None:
        seen = dict.fromkeys(h for row in self.rows for h in row)
        headers = [h for h in self.order if h in seen] + [h for h in seen if h not in self.order]
        sheet.append(headers)
        for row in self.rows:
            sheet.append([row.get(h, "") for h in headers])
        for cells in sheet.iter_rows():
            for cell in cells:
                # openpyxl takes text starting with "=" for a formula; ours is always text.
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"


def _languages_order(definition: dict) -> list[str]:
    return list(dict.fromkeys([DEFAULT, *(definition.get("languages") or {}), *LANGUAGE_SPELLINGS]))


def _texts(definition: dict, name: str, texts: dict | None) -> dict[str, str]:
    return {_header(definition, name, lang): text for lang, text in (texts or {}).items() if text}


def _extras(definition: dict, extra: dict | None) -> dict[str, str]:
    row: dict[str, str] = {}
    for key, value in (extra or {}).items():
        if isinstance(value, dict):
            row.update(_texts(definition, key, value))
        else:
            row[key] = "" if value is None else str(value)
    return row


def _question_type(question: dict) -> str:
    """The XLSForm type; made up from the kind for a question that did not come from a form."""
    if question.get("xlsform_type"):
        return question["xlsform_type"]
    kind, choices = question["kind"], question.get("choice_list") or ""
    made_up = {
        K.SATISFACTION: f"select_one {choices}",
        K.SINGLE: f"select_one {choices}",
        K.YES_NO: f"select_one {choices}",
        K.MULTIPLE: f"select_multiple {choices}",
        K.RANKING: f"rank {choices}",
        K.LONG_TEXT: "text",
        K.MEDIA: "image",
        K.METADATA: question["name"] if question["name"] in METADATA_TYPES else "start",
    }
    return made_up.get(kind, kind)


def _question_row(definition: dict, question: dict) -> dict[str, str]:
    row = {
        "type": _question_type(question),
        "name": question["name"],
        **_texts(definition, "label", question.get("label")),
        **_texts(definition, "hint", question.get("hint")),
        "required": "yes" if question.get("required") else "",
        **_texts(definition, "required_message", question.get("required_message")),
        "relevant": question.get("relevant") or "",
        "constraint": question.get("constraint") or "",
        **_texts(definition, "constraint_message", question.get("constraint_message")),
        "calculation": question.get("calculation") or "",
        "default": question.get("default") or "",
        "appearance": question.get("appearance") or "",
        "choice_filter": question.get("choice_filter") or "",
        "parameters": " ".join(f"{k}={v}" for k, v in (question.get("parameters") or {}).items()),
        "hailong_criterion": question.get("criterion") or "",
        "hailong_measure": question.get("measure") or "",
    }
    if question["kind"] != inferred_kind(
        {**question, "xlsform_type": row["type"]}, definition.get("choice_lists") or {}
    ):
        row["hailong_kind"] = question["kind"]
    if (question.get("wording") or WordingSource.DEFAULT) != WordingSource.DEFAULT:
        row["hailong_wording"] = question["wording"]
    row.update(_extras(definition, question.get("extra")))
    return row


def _section_rows(definition: dict, section: dict) -> tuple[dict[str, str], dict[str, str]]:
    extra = dict(section.get("extra") or {})
    begin_type = extra.pop("type", None) or ("begin repeat" if section.get("repeat") else "begin group")
    begin = RE_BEGIN.match(" ".join(begin_type.split()))
    end_type = f"end {begin['control']}" if begin else "end group"
    row = {
        "type": begin_type,
        "name": section["name"],
        **_texts(definition, "label", section.get("label")),
        "relevant": section.get("relevant") or "",
        "appearance": section.get("appearance") or "",
        **_extras(definition, extra),
    }
    return row, {"type": end_type}


def _survey_rows(definition: dict, items: list[dict], writer: _SheetWriter) -> None:
    for item in items:
        if item["type"] == "section":
            begin, end = _section_rows(definition, item)
            writer.add(begin)
            _survey_rows(definition, item["items"], writer)
            writer.add(end)
        else:
            writer.add(_question_row(definition, item))


def _translated_order(definition: dict, names: tuple[str, ...], translated: frozenset[str]) -> list[str]:
    """Export column order: a translated column once per language, the one without language first."""
    languages = _languages_order(definition)
    order: list[str] = []
    for name in names:
        if name in translated:
            order.extend(_header(definition, name, lang) for lang in languages)
        else:
            order.append(name)
    return order


def _title_text(definition: dict) -> str:
    title = definition.get("title") or {}
    return (
        title.get(DEFAULT)
        or text_in(title, definition.get("default_language"))
        or definition.get("form_id")
        or ""
    )


def definition_to_xlsform(definition: dict) -> bytes:
    """An .xlsx with survey, choices, settings (and hailong_criteria) sheets holding ``definition``."""
    workbook = Workbook()
    survey = _SheetWriter(_translated_order(definition, SURVEY_EXPORT_ORDER, TRANSLATED_FIELDS))
    _survey_rows(definition, definition["items"], survey)
    survey.write(workbook.active)
    workbook.active.title = SURVEY

    choices = _SheetWriter(
        ["list_name", "name", *_translated_order(definition, ("label",), TRANSLATED_FIELDS)]
    )
    for list_name, rows in (definition.get("choice_lists") or {}).items():
        for choice in rows:
            choices.add(
                {
                    "list_name": list_name,
                    "name": str(choice["value"]),
                    **_texts(definition, "label", choice.get("label")),
                    **_extras(definition, choice.get("extra")),
                }
            )
    if choices.rows:
        choices.write(workbook.create_sheet(CHOICES))

    title_order = _translated_order(definition, ("hailong_title",), frozenset({"hailong_title"}))
    settings = _SheetWriter(
        ["form_title", *title_order, "form_id", "version", "default_language", "hailong_scoring"]
    )
    language = definition.get("default_language") or DEFAULT
    scoring = definition.get("scoring") or {}
    title = definition.get("title") or {}
    settings.add(
        {
            "form_title": _title_text(definition),
            # Only a title in languages needs the platform's column; {"default": …} is form_title.
            **(_texts(definition, "hailong_title", title) if set(title) - {DEFAULT} else {}),
            "hailong_notes": definition.get("notes") or "",
            "form_id": definition.get("form_id") or "",
            "version": definition.get("form_version") or "",
            "default_language": _spelling(definition, language) if language != DEFAULT else "",
            "hailong_scoring": json.dumps(scoring, ensure_ascii=False, sort_keys=True) if scoring else "",
            **{k: str(v) for k, v in (definition.get("settings") or {}).items() if k != WEB_UNSUPPORTED},
        }
    )
    settings.write(workbook.create_sheet(SETTINGS))

    if definition.get("criteria"):
        criteria = _SheetWriter(
            [
                "code",
                "level",
                "parent",
                *_translated_order(definition, ("name",), frozenset({"name"})),
                "weight",
                "wording",
            ]
        )
        for criterion in definition["criteria"]:
            criteria.add(
                {
                    "code": criterion["code"],
                    "level": criterion.get("level") or "",
                    "parent": criterion.get("parent") or "",
                    **_texts(definition, "name", criterion.get("name")),
                    "weight": str(criterion.get("weight", "1")),
                    "wording": criterion.get("wording") or "",
                }
            )
        criteria.write(workbook.create_sheet(CRITERIA))

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def version_to_xlsform(version: QuestionnaireVersion) -> bytes:
    return definition_to_xlsform(version_definition(version))


def definition_to_xform(definition: dict) -> str:
    """The XForm XML of a definition, as pyxform makes it from the exported workbook."""
    filename = f"{definition.get('form_id') or 'form'}.xlsx"
    try:
        return convert(definition_to_xlsform(definition), validate=False, file_type=".xlsx").xform
    except PyXFormError as exc:
        raise XLSFormRejected(
            filename,
            [
                SheetProblem(
                    None,
                    None,
                    None,
                    lazy_format(_("{error} (reported by pyxform, the XLSForm converter)"), error=exc),
                )
            ],
        ) from None


def version_to_xform(version: QuestionnaireVersion) -> str:
    return definition_to_xform(version_definition(version))
