"""Reading an XLSForm into a definition, and importing it as a questionnaire version.

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
"""

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override
from pyxform import aliases
from pyxform.errors import PyXFormError
from pyxform.parsing.parameters import parse as parse_parameters
from pyxform.parsing.sheet_headers import to_snake_case
from pyxform.xls2xform import convert

from hailong.core.messages import lazy_format, validation_messages
from hailong.methodology import services
from hailong.methodology.choices import (
    CriterionLevel,
    Measure,
    QuestionKind,
    VersionSource,
    WordingSource,
)
from hailong.methodology.definition import iter_questions, iter_sections
from hailong.methodology.expressions import ExpressionError, compile_expression, references
from hailong.methodology.models import Questionnaire, QuestionnaireVersion
from hailong.methodology.xlsform.kinds import RE_BEGIN, RE_END, _kind_fits, _parse_type
from hailong.methodology.xlsform.problems import SheetProblem, XLSFormRejected, _Problem, _Refused
from hailong.methodology.xlsform.workbook import (
    CHOICES,
    CRITERIA,
    DEFAULT,
    HAILONG_COLUMNS,
    PYXFORM_OTHER_SHEETS,
    QUESTION_COLUMNS,
    SETTINGS,
    SURVEY,
    WEB_UNSUPPORTED,
    _clean,
    _Column,
    _columns,
    _parse_bool,
    _raw_bytes,
    _read_workbook,
    _Sheet,
    language_key,
)
from hailong.units.models import Unit

RE_PYXFORM_ROW = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
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
