"""A workbook's cells as text (read with python-calamine), and what each column of a sheet holds."""

import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, BinaryIO

from django.utils.translation import gettext_lazy as _
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum
from pyxform import aliases
from pyxform.parsing.sheet_headers import clean_text_values, process_header, to_snake_case
from pyxform.question import MultipleChoiceQuestion, Option
from pyxform.survey import Survey

from hailong.core.messages import lazy_format
from hailong.core.tabular import column_letter
from hailong.methodology.xlsform.problems import SheetProblem, _Problem, _Refused

SURVEY, CHOICES, SETTINGS, CRITERIA = "survey", "choices", "settings", "hailong_criteria"
# Sheets pyxform reads besides ours. We pass them on so its checks are complete, but store none of
# them: their features are refused (entities) or only matter to types we refuse (external choices, OSM).
PYXFORM_OTHER_SHEETS = ("external_choices", "entities", "osm")
WEB_UNSUPPORTED = "hailong_web_unsupported"
DEFAULT = "default"

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
