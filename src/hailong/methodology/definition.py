"""A questionnaire version as one plain dictionary, and back.

The *definition* is the single interchange shape: templates are written as definitions, XLSForm
import produces one, XLSForm export reads one, a new draft copies one, and publication fingerprints
one. Two versions are "the same questionnaire" exactly when their definitions are equal.

Shape::

    {
      "form_id": str, "form_version": str, "title": {lang: text}, "default_language": "vi",
      "languages": {lang: column spelling}, "scoring": {...}, "settings": {...}, "notes": str,
      "criteria": [{"code", "level", "name", "parent" (code or None), "weight" (str), "wording"}],
      "choice_lists": {name: [{"value", "label", "extra"}]},
      "items": [                                   # form order, depth first
        {"type": "section", "name", "label", "relevant", "repeat", "appearance", "extra", "items": [...]},
        {"type": "question", "name", "kind", "xlsform_type", "label", "hint", "required",
         "required_message", "relevant", "constraint", "constraint_message", "calculation",
         "default", "appearance", "choice_list", "choice_filter", "parameters", "criterion",
         "measure", "wording", "extra"},
      ],
    }
"""

import hashlib
import json
from collections.abc import Iterator
from decimal import Decimal

from hailong.methodology.models import QuestionnaireVersion

QUESTION_FIELDS = (
    "name",
    "kind",
    "xlsform_type",
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
    "measure",
    "wording",
    "extra",
)
SECTION_FIELDS = ("name", "label", "relevant", "repeat", "appearance", "extra")


def _weight(value) -> str:
    return format(Decimal(value).normalize(), "f")


def version_definition(version: QuestionnaireVersion) -> dict:
    criteria = list(version.criteria.select_related("parent").order_by("order"))
    choice_lists = {
        cl.name: [
            {"value": c.value, "label": c.label, "extra": c.extra} for c in cl.choices.order_by("order")
        ]
        for cl in version.choice_lists.prefetch_related("choices").order_by("name")
    }
    sections = list(version.sections.order_by("order"))
    questions = list(version.questions.select_related("choice_list", "criterion").order_by("order"))

    def section_items(section_id: int | None) -> list[dict]:
        entries: list[tuple[int, dict]] = []
        for section in sections:
            if section.parent_id == section_id:
                item = {"type": "section", **{f: getattr(section, f) for f in SECTION_FIELDS}}
                item["items"] = section_items(section.pk)
                entries.append((section.order, item))
        for question in questions:
            if question.section_id == section_id:
                item = {"type": "question", **{f: getattr(question, f) for f in QUESTION_FIELDS}}
                item["choice_list"] = question.choice_list.name if question.choice_list_id else None
                item["criterion"] = question.criterion.code if question.criterion_id else None
                entries.append((question.order, item))
        return [item for _order, item in sorted(entries, key=lambda e: e[0])]

    return {
        "form_id": version.form_id,
        "form_version": version.form_version,
        "title": version.title,
        "default_language": version.default_language,
        "languages": version.languages,
        "scoring": version.scoring,
        "settings": version.form_settings,
        "notes": version.notes,
        "criteria": [
            {
                "code": c.code,
                "level": c.level,
                "name": c.name,
                "parent": c.parent.code if c.parent_id else None,
                "weight": _weight(c.weight),
                "wording": c.wording,
            }
            for c in criteria
        ],
        "choice_lists": choice_lists,
        "items": section_items(None),
    }


def iter_questions(items: list[dict]) -> Iterator[dict]:
    """Every question of a definition, in form order."""
    for item in items:
        if item["type"] == "section":
            yield from iter_questions(item["items"])
        else:
            yield item


def iter_sections(items: list[dict]) -> Iterator[dict]:
    for item in items:
        if item["type"] == "section":
            yield item
            yield from iter_sections(item["items"])


def fingerprint(definition: dict) -> str:
    canonical = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
