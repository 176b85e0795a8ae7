"""Writing a definition as XLSForm, and as XForm through pyxform.

Export (:func:`definition_to_xlsform`) writes a definition back as .xlsx; reading the export gives the
same definition. :func:`version_to_xform` runs that export through pyxform to get the XForm.
"""

import io
import json

from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from hailong.core.messages import lazy_format
from hailong.methodology.choices import QuestionKind, WordingSource
from hailong.methodology.definition import version_definition
from hailong.methodology.models import QuestionnaireVersion, text_in
from hailong.methodology.xlsform.kinds import METADATA_TYPES, RE_BEGIN, inferred_kind
from hailong.methodology.xlsform.problems import SheetProblem, XLSFormRejected
from hailong.methodology.xlsform.workbook import (
    CHOICES,
    CRITERIA,
    DEFAULT,
    HAILONG_COLUMNS,
    SETTINGS,
    SURVEY,
    TRANSLATED_FIELDS,
    WEB_UNSUPPORTED,
)

K = QuestionKind

# How export spells a language the definition has no recorded spelling for (e.g. a built-in template).
LANGUAGE_SPELLINGS = {"vi": "Vietnamese (vi)", "en": "English (en)"}
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
    # A fixed order (PostgreSQL's jsonb does not keep key order): the untranslated column, the form's
    # default language, Vietnamese, English, then any other language alphabetically.
    others = sorted(definition.get("languages") or {})
    first = [DEFAULT, definition.get("default_language") or "vi", "vi", "en"]
    return list(dict.fromkeys([*first, *others, *LANGUAGE_SPELLINGS]))


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
