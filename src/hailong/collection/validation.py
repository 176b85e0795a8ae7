"""Server-side validation of a set of answers against a compiled form.

The same rules whatever the channel: questions that are not relevant are dropped (their answers
would otherwise leak into indices), required answers must be present, choices must be in the list,
numbers and dates must parse, constraints must hold. Errors carry both languages so they read the
same in the review list, an API response and the form.
"""

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from hailong.collection.formspec import FormSpec, QuestionSpec
from hailong.methodology.choices import QuestionKind
from hailong.methodology.expressions import evaluate, truthy
from hailong.methodology.models import text_in

TEXT_LIMITS = {QuestionKind.TEXT: 1000, QuestionKind.LONG_TEXT: 10000, QuestionKind.BARCODE: 1000}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?$")

MESSAGES = {
    "required": _("This question needs an answer."),
    "choice": _("This answer is not one of the choices."),
    "integer": _("Enter a whole number."),
    "decimal": _("Enter a number."),
    "date": _("Enter a date as dd/mm/yyyy."),
    "time": _("Enter a time as hh:mm."),
    "datetime": _("Enter a date and time."),
    "constraint": _("This answer is not allowed."),
    "too_long": _("This answer is too long."),
    "unknown": _("There is no such question in this form."),
    "ranking": _("Rank each choice at most once."),
}


@dataclass(frozen=True)
class AnswerError:
    question: str
    code: str
    message: dict  # {"vi": ..., "en": ...}

    def as_dict(self) -> dict:
        return {"question": self.question, "code": self.code, "message": self.message}

    def text(self, language: str | None = None) -> str:
        return text_in(self.message, language)


def _both(message: object, custom: dict | None = None) -> dict:
    if custom and any(custom.values()):
        vi = custom.get("vi") or custom.get("default") or next(iter(custom.values()))
        return {"vi": vi, "en": custom.get("en") or vi}
    result = {}
    for language in ("vi", "en"):
        with override(language):
            result[language] = str(message)
    return result


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or (isinstance(value, str) and not value.strip())


def _normalise(question: QuestionSpec, value: Any) -> tuple[Any, str | None]:
    """The answer in its stored form, or an error code."""
    kind = question.kind
    if kind in (QuestionKind.SATISFACTION, QuestionKind.SINGLE, QuestionKind.YES_NO):
        text = str(value).strip()
        return (text, None) if text in question.choice_values else (None, "choice")
    if kind in (QuestionKind.MULTIPLE, QuestionKind.RANKING):
        items = value.split() if isinstance(value, str) else [str(v).strip() for v in value]
        if not all(v in question.choice_values for v in items):
            return None, "choice"
        if kind == QuestionKind.RANKING and len(set(items)) != len(items):
            return None, "ranking"
        return (list(dict.fromkeys(items)) if kind == QuestionKind.MULTIPLE else items), None
    if kind == QuestionKind.INTEGER:
        try:
            number = float(str(value).strip().replace(",", "."))
        except ValueError:
            return None, "integer"
        return (int(number), None) if number.is_integer() else (None, "integer")
    if kind == QuestionKind.DECIMAL:
        text = str(value).strip()
        # Vietnamese write decimals with a comma (3,5); thousands dots are not expected in answers.
        try:
            number = float(text.replace(",", ".")) if text.count(",") <= 1 else math.nan
        except ValueError:
            return None, "decimal"
        return (number, None) if math.isfinite(number) else (None, "decimal")
    if kind == QuestionKind.DATE:
        text = str(value).strip()
        for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(text, fmt).date().isoformat(), None  # noqa: DTZ007 - a calendar day
            except ValueError:
                continue
        return None, "date"
    if kind == QuestionKind.TIME:
        text = str(value).strip()
        return (text, None) if _TIME.match(text) else (None, "time")
    if kind == QuestionKind.DATETIME:
        text = str(value).strip()
        try:
            datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None, "datetime"
        return text, None
    if kind in TEXT_LIMITS:
        text = str(value).strip()
        return (text, None) if len(text) <= TEXT_LIMITS[kind] else (None, "too_long")
    return (str(value) if not isinstance(value, str | int | float | list) else value), None


def validate_answers(
    spec: FormSpec, answers: dict[str, Any], *, today: date | None = None, strict_names: bool = True
) -> tuple[dict[str, Any], list[AnswerError]]:
    """Check ``answers`` against ``spec``; return the cleaned answers and every error found."""
    today = today or date.today()  # noqa: DTZ011 - a calendar day
    errors: list[AnswerError] = []
    if strict_names:
        errors.extend(
            AnswerError(name, "unknown", _both(MESSAGES["unknown"]))
            for name in answers
            if name not in spec.by_name
        )
    clean: dict[str, Any] = {}
    for question in spec.questions:
        if question.relevant and not all(
            truthy(evaluate(ast, clean, today=today)) for ast in question.relevant
        ):
            continue
        if question.kind == QuestionKind.CALCULATE:
            if question.calculation is not None:
                result = evaluate(question.calculation, clean, today=today)
                clean[question.name] = result.isoformat() if isinstance(result, date) else result
            continue
        if not question.takes_answer:
            continue
        raw = answers.get(question.name)
        if _is_empty(raw):
            required = question.required or (
                question.required_when is not None
                and truthy(evaluate(question.required_when, clean, today=today))
            )
            if required and question.web_supported:
                errors.append(
                    AnswerError(
                        question.name, "required", _both(MESSAGES["required"], question.required_message)
                    )
                )
            continue
        value, problem = _normalise(question, raw)
        if problem is None and question.is_choice and question.choice_filter is not None:
            allowed = {
                c.value
                for c in question.choices
                if truthy(
                    evaluate(question.choice_filter, clean, today=today, choice={"name": c.value, **c.extra})
                )
            }
            chosen = value if isinstance(value, list) else [value]
            if not set(chosen) <= allowed:
                problem = "choice"
        if problem is not None:
            errors.append(AnswerError(question.name, problem, _both(MESSAGES[problem])))
            continue
        if question.constraint is not None and not truthy(
            evaluate(question.constraint, clean, value, today=today)
        ):
            errors.append(
                AnswerError(
                    question.name, "constraint", _both(MESSAGES["constraint"], question.constraint_message)
                )
            )
            continue
        clean[question.name] = value
    return clean, errors
