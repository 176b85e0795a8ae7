"""Turn a compiled form into what the survey templates draw, and form posts back into answers.

The page works without JavaScript: every section is on the page and plain form posts carry the
answers. With JavaScript (``survey.js``) the same page becomes one section at a time with live skip
logic, driven by the expression ASTs written into ``data-`` attributes here.
"""

import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from hailong.collection.formspec import FormSpec, QuestionSpec
from hailong.collection.validation import AnswerError
from hailong.methodology.choices import QuestionKind
from hailong.methodology.models import text_in

RANK_SLOTS = 3


def _attribute_json(value: Any) -> str:
    """JSON for a single-quoted HTML attribute: no &quot; for every double quote."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return mark_safe(text.replace("&", "&amp;").replace("'", "&#x27;").replace("<", "&lt;"))  # noqa: S308


@dataclass
class ChoiceView:
    value: str
    label: str
    checked: bool = False


@dataclass
class QuestionView:
    spec: QuestionSpec
    number: int
    label: str
    hint: str
    condition: str
    choices: list[ChoiceView] = field(default_factory=list)
    value: Any = None
    error: str = ""
    rank_slots: list[dict] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def kind(self) -> str:
        return self.spec.kind

    @property
    def input_type(self) -> str:
        return {
            QuestionKind.INTEGER: "number",
            QuestionKind.DECIMAL: "text",
            QuestionKind.DATE: "date",
            QuestionKind.TIME: "time",
            QuestionKind.DATETIME: "datetime-local",
        }.get(self.spec.kind, "text")

    @property
    def data(self) -> str:
        """The logic the browser needs, for a single-quoted ``data-logic='…'`` attribute.

        Only what differs from the defaults is written: the survey page must stay light.
        """
        spec = self.spec
        logic: dict[str, Any] = {"kind": spec.kind}
        if spec.relevant:
            logic["relevant"] = list(spec.relevant)
        if spec.constraint:
            logic["constraint"] = spec.constraint
        if spec.required:
            logic["required"] = True
        if text_in(spec.required_message):
            logic["requiredMessage"] = text_in(spec.required_message)
        if text_in(spec.constraint_message):
            logic["constraintMessage"] = text_in(spec.constraint_message)
        return _attribute_json(logic)

    @property
    def required_text(self) -> str:
        return text_in(self.spec.required_message) or _("This question needs an answer.")


@dataclass
class SectionView:
    name: str
    label: str
    relevant: str
    questions: list[QuestionView]
    depth: int


def describe_condition(spec: FormSpec, question: QuestionSpec) -> str:
    """A reader's version of simple skip logic ("Answer if … is “Yes”") for forms shown without
    JavaScript, where every question is on the page as on a paper form."""
    parts = [_describe(ast, spec) for ast in question.relevant]
    if not parts:
        return ""
    if any(p is None for p in parts):
        return _("Answer only if it applies to you.")
    return _("Answer if %(condition)s.") % {"condition": _(" and ").join(parts)}


def _describe(ast, spec: FormSpec) -> str | None:
    if not isinstance(ast, list) or not ast:
        return None
    if ast[0] == "bin" and ast[1] in ("and", "or"):
        left, right = _describe(ast[2], spec), _describe(ast[3], spec)
        if left is None or right is None:
            return None
        joiner = _("and") if ast[1] == "and" else _("or")
        return f"{left} {joiner} {right}"
    if (
        ast[0] == "bin"
        and ast[1] in ("=", "!=")
        and ast[2][:1] == ["ref"]
        and ast[3][:1] in (["str"], ["num"])
    ):
        target = spec.by_name.get(ast[2][1])
        if target is None:
            return None
        value = str(ast[3][1])
        label = next((text_in(c.label) for c in target.choices if c.value == value), value)
        verb = _("is") if ast[1] == "=" else _("is not")
        return f"«{text_in(target.label) or target.name}» {verb} «{label}»"
    if ast[0] == "call" and ast[1] == "selected" and ast[2][0][:1] == ["ref"] and ast[2][1][:1] == ["str"]:
        target = spec.by_name.get(ast[2][0][1])
        if target is None:
            return None
        value = ast[2][1][1]
        label = next((text_in(c.label) for c in target.choices if c.value == value), value)
        return _("you chose «%(choice)s» in «%(question)s»") % {
            "choice": label,
            "question": text_in(target.label),
        }
    if (
        ast[0] == "bin"
        and ast[1] in ("<", "<=", ">", ">=")
        and ast[2][:1] == ["ref"]
        and ast[3][:1] == ["num"]
    ):
        target = spec.by_name.get(ast[2][1])
        if target is None:
            return None
        return f"«{text_in(target.label) or target.name}» {ast[1]} {ast[3][1]}"
    return None


def build_sections(
    spec: FormSpec, answers: dict[str, Any], errors: list[AnswerError] | None = None
) -> list[SectionView]:
    errors_by_name = {e.question: e.text() for e in errors or []}
    section_specs = {s.name: s for s in spec.sections}
    blocks: list[SectionView] = []
    number = 0
    for question in spec.questions:
        if question.kind in (QuestionKind.CALCULATE, QuestionKind.METADATA):
            continue
        if question.takes_answer:
            number += 1
        value = answers.get(question.name)
        view = QuestionView(
            spec=question,
            number=number if question.takes_answer else 0,
            label=text_in(question.label) or question.name,
            hint=text_in(question.hint),
            condition=describe_condition(spec, question),
            value=value,
            error=errors_by_name.get(question.name, ""),
        )
        chosen = set(value) if isinstance(value, list) else {str(value)} if value not in (None, "") else set()
        view.choices = [
            ChoiceView(c.value, text_in(c.label) or c.value, c.value in chosen) for c in question.choices
        ]
        if question.kind == QuestionKind.RANKING:
            ranked = value if isinstance(value, list) else []
            slots = min(RANK_SLOTS, len(question.choices))
            view.rank_slots = [
                {"position": i + 1, "selected": ranked[i] if i < len(ranked) else ""} for i in range(slots)
            ]
        # Consecutive questions of one (innermost) section make one block: one page with JavaScript.
        if not blocks or blocks[-1].name != (question.section or ""):
            section = section_specs.get(question.section) if question.section else None
            blocks.append(
                SectionView(
                    name=question.section or "",
                    label=text_in(section.label) if section else "",
                    relevant=_attribute_json(list(section.relevant) if section else []),
                    questions=[],
                    depth=section.depth if section else 0,
                )
            )
        blocks[-1].questions.append(view)
    return blocks


def answers_from_post(spec: FormSpec, post) -> dict[str, Any]:
    """Read a form post into answers (only questions that take one; empty fields left out)."""
    answers: dict[str, Any] = {}
    for question in spec.questions:
        if not question.takes_answer:
            continue
        name = question.name
        if question.kind == QuestionKind.MULTIPLE:
            # Check boxes post one value each; paper entry types "1 3" (or "1,3") in one field.
            values = [part for v in post.getlist(name) for part in v.replace(",", " ").split()]
            if values:
                answers[name] = values
        elif question.kind == QuestionKind.RANKING:
            ranked = [post.get(f"{name}__{i}", "") for i in range(1, RANK_SLOTS + 1)]
            ranked = [v for v in ranked if v]
            if ranked:
                answers[name] = ranked
        else:
            value = post.get(name, "")
            if value.strip():
                answers[name] = value.strip()
    return answers


def survey_js_text() -> str:
    """The few words ``survey.js`` shows, in the reader's language."""
    return _attribute_json(
        {
            "step": _("Part %(i)s of %(n)s"),
            "next": _("Next"),
            "prev": _("Back"),
            "resume": _("You have unsent answers on this device. Continue where you left off?"),
            "resumeYes": _("Continue"),
            "resumeNo": _("Start again"),
            "required": _("This question needs an answer."),
            "constraint": _("This answer is not allowed."),
        }
    )
