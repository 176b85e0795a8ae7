"""Every write to questionnaires. A published version is never written to again."""

import re
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hailong.core.messages import lazy_format
from hailong.methodology.choices import CHOICE_KINDS, VersionSource, VersionStatus
from hailong.methodology.definition import fingerprint, iter_questions, iter_sections, version_definition
from hailong.methodology.expressions import ExpressionError, compile_expression, references
from hailong.methodology.models import (
    Choice,
    ChoiceList,
    Criterion,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
)

NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")
EXPRESSION_FIELDS = ("relevant", "constraint", "calculation", "choice_filter")


class VersionLocked(ValidationError):
    def __init__(self, version: QuestionnaireVersion) -> None:
        super().__init__(
            lazy_format(
                _("Version {number} is published and cannot change; create a new draft to edit it."),
                number=version.number,
            )
        )


def ensure_draft(version: QuestionnaireVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise VersionLocked(version)


@dataclass(frozen=True)
class DefinitionProblem:
    """What is wrong with one item of a definition: ``name`` (question/section), ``field`` (column)."""

    name: str | None
    field: str | None
    message: object
    unsupported: bool = False


def definition_problems(definition: dict) -> list[DefinitionProblem]:
    """Everything that would make a definition unusable for collection, in form order."""
    problems: list[DefinitionProblem] = []
    names: set[str] = set()
    criteria = {c["code"] for c in definition.get("criteria", [])}
    lists = definition.get("choice_lists", {})
    for item in [*iter_sections(definition["items"]), *iter_questions(definition["items"])]:
        name = item["name"]
        if not NAME_PATTERN.match(name or ""):
            problems.append(
                DefinitionProblem(
                    name,
                    "name",
                    _("A name must start with a letter or _ and use only letters, digits, _ . -"),
                )
            )
        if name in names:
            problems.append(
                DefinitionProblem(name, "name", lazy_format(_("The name {name} is used twice."), name=name))
            )
        names.add(name)
    for item in [*iter_sections(definition["items"]), *iter_questions(definition["items"])]:
        for field in EXPRESSION_FIELDS:
            text = item.get(field) or ""
            if not text.strip():
                continue
            try:
                ast = compile_expression(text, choice_columns=field == "choice_filter")
            except ExpressionError as exc:
                problems.append(
                    DefinitionProblem(
                        item["name"],
                        field,
                        lazy_format(
                            _("Cannot understand “{expression}”: {reason}"),
                            expression=text,
                            reason=exc.message,
                        ),
                        unsupported=exc.unsupported_function is not None,
                    )
                )
                continue
            unknown = sorted(references(ast) - names)
            if unknown:
                problems.append(
                    DefinitionProblem(
                        item["name"],
                        field,
                        lazy_format(
                            _("“{expression}” refers to unknown question(s): {names}"),
                            expression=text,
                            names=", ".join(unknown),
                        ),
                    )
                )
        if item["type"] != "question":
            continue
        if (item["kind"] in CHOICE_KINDS or item.get("choice_list")) and (
            not item.get("choice_list") or item["choice_list"] not in lists
        ):
            problems.append(
                DefinitionProblem(
                    item["name"],
                    "type",
                    lazy_format(
                        _("The choice list “{list}” does not exist."), list=item.get("choice_list") or ""
                    ),
                )
            )
        if item.get("criterion") and item["criterion"] not in criteria:
            problems.append(
                DefinitionProblem(
                    item["name"],
                    "criterion",
                    lazy_format(_("Unknown criterion {code}."), code=item["criterion"]),
                )
            )
    return problems


@transaction.atomic
def version_create(
    *,
    questionnaire: Questionnaire,
    definition: dict,
    source: str,
    source_filename: str = "",
    based_on: QuestionnaireVersion | None = None,
) -> QuestionnaireVersion:
    """Create a new draft version holding ``definition`` (refused if it has problems)."""
    problems = [p for p in definition_problems(definition) if not p.unsupported]
    if problems:
        raise ValidationError([f"{p.name or ''} {p.field or ''}: {p.message}".strip() for p in problems])
    if questionnaire.versions.filter(status=VersionStatus.DRAFT).exists():
        raise ValidationError(
            _("This questionnaire already has a draft version; publish or delete it first.")
        )
    number = (questionnaire.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = QuestionnaireVersion.objects.create(
        questionnaire=questionnaire,
        number=number,
        title=definition.get("title") or questionnaire.title,
        form_id=definition.get("form_id") or questionnaire.code,
        form_version=definition.get("form_version") or "",
        default_language=definition.get("default_language") or "vi",
        languages=definition.get("languages") or {},
        source=source,
        source_filename=source_filename,
        based_on=based_on,
        scoring=definition.get("scoring") or {},
        form_settings=definition.get("settings") or {},
        notes=definition.get("notes") or "",
    )
    criteria: dict[str, Criterion] = {}
    for order, row in enumerate(definition.get("criteria", [])):
        criteria[row["code"]] = Criterion.objects.create(
            version=version,
            parent=criteria.get(row.get("parent")) if row.get("parent") else None,
            code=row["code"],
            level=row["level"],
            name=row.get("name") or {},
            order=order,
            weight=row.get("weight", "1"),
            wording=row.get("wording") or "default",
        )
    lists: dict[str, ChoiceList] = {}
    choices: list[Choice] = []
    for name, rows in definition.get("choice_lists", {}).items():
        lists[name] = ChoiceList.objects.create(version=version, name=name)
        choices.extend(
            Choice(
                choice_list=lists[name],
                order=order,
                value=str(row["value"]),
                label=row.get("label") or {},
                extra=row.get("extra") or {},
            )
            for order, row in enumerate(rows)
        )
    Choice.objects.bulk_create(choices)

    counter = {"order": 0}
    new_questions: list[Question] = []

    def create_items(items: list[dict], section: Section | None) -> None:
        for item in items:
            counter["order"] += 1
            if item["type"] == "section":
                child = Section.objects.create(
                    version=version,
                    parent=section,
                    order=counter["order"],
                    name=item["name"],
                    label=item.get("label") or {},
                    relevant=item.get("relevant") or "",
                    repeat=bool(item.get("repeat")),
                    appearance=item.get("appearance") or "",
                    extra=item.get("extra") or {},
                )
                create_items(item["items"], child)
                continue
            new_questions.append(
                Question(
                    version=version,
                    section=section,
                    order=counter["order"],
                    name=item["name"],
                    kind=item["kind"],
                    xlsform_type=item.get("xlsform_type") or "",
                    label=item.get("label") or {},
                    hint=item.get("hint") or {},
                    required=bool(item.get("required")),
                    required_message=item.get("required_message") or {},
                    relevant=item.get("relevant") or "",
                    constraint=item.get("constraint") or "",
                    constraint_message=item.get("constraint_message") or {},
                    calculation=item.get("calculation") or "",
                    default=item.get("default") or "",
                    appearance=item.get("appearance") or "",
                    choice_list=lists.get(item.get("choice_list")) if item.get("choice_list") else None,
                    choice_filter=item.get("choice_filter") or "",
                    parameters=item.get("parameters") or {},
                    criterion=criteria.get(item.get("criterion")) if item.get("criterion") else None,
                    measure=item.get("measure") or "",
                    wording=item.get("wording") or "default",
                    extra=item.get("extra") or {},
                )
            )

    create_items(definition["items"], None)
    Question.objects.bulk_create(new_questions)
    return version


@transaction.atomic
def questionnaire_create(*, code: str, title: dict, owner, template_key: str = "") -> Questionnaire:
    questionnaire = Questionnaire(code=code, title=title, owner=owner, template_key=template_key)
    questionnaire.full_clean()
    questionnaire.save()
    return questionnaire


@transaction.atomic
def version_publish(
    *, version: QuestionnaireVersion, actor=None, at: datetime | None = None
) -> QuestionnaireVersion:
    version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    ensure_draft(version)
    definition = version_definition(version)
    problems = [p for p in definition_problems(definition) if not p.unsupported]
    if problems:
        raise ValidationError([f"{p.name}: {p.message}" for p in problems])
    if not version.form_version:
        version.form_version = (at or timezone.now()).strftime("%Y%m%d%H%M")
        definition["form_version"] = version.form_version
    version.status = VersionStatus.PUBLISHED
    version.published_at = at or timezone.now()
    version.published_by = actor
    version.fingerprint = fingerprint(definition)
    version.save(
        update_fields=["status", "published_at", "published_by", "fingerprint", "form_version", "updated_at"]
    )
    return version


@transaction.atomic
def version_new_draft(*, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """Start editing a published version: a new draft with the same content."""
    definition = version_definition(version)
    definition["form_version"] = ""
    return version_create(
        questionnaire=version.questionnaire,
        definition=definition,
        source=VersionSource.COPY,
        based_on=version,
    )


@transaction.atomic
def version_retire(*, version: QuestionnaireVersion) -> QuestionnaireVersion:
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError(_("Only a published version can be retired."))
    version.status = VersionStatus.RETIRED
    version.save(update_fields=["status", "updated_at"])
    return version


@transaction.atomic
def version_delete_draft(*, version: QuestionnaireVersion) -> None:
    ensure_draft(version)
    version.delete()


QUESTION_EDITABLE = (
    "label",
    "hint",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
    "criterion",
    "measure",
    "wording",
)


@transaction.atomic
def question_update(*, question: Question, **changes) -> Question:
    ensure_draft(question.version)
    unknown = set(changes) - set(QUESTION_EDITABLE)
    if unknown:
        raise TypeError(f"Not editable: {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(question, name, value)
    names = set(question.version.questions.values_list("name", flat=True)) | set(
        question.version.sections.values_list("name", flat=True)
    )
    for field in ("relevant", "constraint"):
        text = getattr(question, field)
        if not text.strip():
            continue
        try:
            ast = compile_expression(text)
        except ExpressionError as exc:
            raise ValidationError({field: exc.message}) from None
        unknown_refs = references(ast) - names
        if unknown_refs:
            raise ValidationError(
                {field: lazy_format(_("Unknown question(s): {names}"), names=", ".join(sorted(unknown_refs)))}
            )
    question.save(update_fields=list(changes))
    return question
