"""From a questionnaire version (data) to the estimation method of ``hailong.stats``.

Nothing here knows a template's question names: the method comes from the version's criteria tree
and what each question says it measures (``Question.measure``):

- ``satisfaction`` questions (on the satisfaction scale) attached to a criterion are the **items**
  of that criterion;
- an ``element_overall`` question attached to a node is that node's **general item** (its own "in
  general" question, used by the ``overall_question`` aggregation);
- the ``overall`` question is the **overall item**;
- every criterion is a node; its children are the criteria under it; a node with nothing to
  estimate under it (no item, no general item) is left out;
- ``perception`` questions on the same scale are **reported** (their share of codes 4–5, "good" or
  "very good") but do not enter the satisfaction index;
- ``expectation`` questions, and categorical ``perception`` questions (e.g. harassment: none / some /
  many), are reported as **choice shares** (for a ranking, the share putting a choice first).

The scale comes from ``version.scoring["scale"]`` (``valid``, ``satisfied``); when a version has no
scoring settings, codes 1–5 are valid and 4–5 satisfied (the SIPAS rule).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from hailong.core.messages import lazy_format
from hailong.methodology.choices import Measure, QuestionKind
from hailong.methodology.models import QuestionnaireVersion
from hailong.stats import AGGREGATIONS, DesignError, Method, Node

DEFAULT_VALID = ("1", "2", "3", "4", "5")
DEFAULT_SATISFIED = ("4", "5")

# Kinds answered with one choice or several.
SINGLE_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.YES_NO})
LIST_KINDS = frozenset({QuestionKind.MULTIPLE, QuestionKind.RANKING})


@dataclass(frozen=True)
class ChoiceQuestion:
    """A question reported as the share of respondents choosing each answer."""

    name: str
    kind: str
    measure: str
    choices: tuple[str, ...]
    first_only: bool  # rankings: only the first (top-priority) choice counts


@dataclass(frozen=True)
class MethodSpec:
    """The ``stats.Method`` of a version, with what the pages need to show its figures."""

    method: Method
    item_measures: dict[str, str]  # item → satisfaction / element_overall / overall
    node_levels: dict[str, str]
    node_order: dict[str, int]
    item_order: dict[str, int]
    perception_items: tuple[str, ...]
    choice_questions: tuple[ChoiceQuestion, ...]
    poststratum_candidates: tuple[str, ...] = field(default=())

    @property
    def items(self) -> list[str]:
        return self.method.items()


def scale_of(version: QuestionnaireVersion) -> tuple[tuple[str, ...], tuple[str, ...]]:
    scale = (version.scoring or {}).get("scale") or {}
    valid = tuple(str(v) for v in scale.get("valid") or DEFAULT_VALID)
    satisfied = tuple(str(v) for v in scale.get("satisfied") or DEFAULT_SATISFIED)
    return valid, satisfied


def default_aggregation(version: QuestionnaireVersion) -> str:
    aggregation = (version.scoring or {}).get("aggregation") or "item_mean"
    return aggregation if aggregation in AGGREGATIONS else "item_mean"


def available_aggregations(version: QuestionnaireVersion) -> list[str]:
    """The aggregations a version offers (its scoring settings, else all), that it can compute."""
    offered = (version.scoring or {}).get("available_aggregations") or list(AGGREGATIONS)
    has_overall = version.questions.filter(measure=Measure.OVERALL).exists()
    return [a for a in AGGREGATIONS if a in offered and (a != "overall_question" or has_overall)]


def method_from_version(version: QuestionnaireVersion, *, aggregation: str | None = None) -> MethodSpec:
    """The estimation method of ``version`` with ``aggregation`` (default: the version's own)."""
    aggregation = aggregation or default_aggregation(version)
    valid, satisfied = scale_of(version)
    criteria = list(version.criteria.order_by("order", "id"))
    questions = list(version.questions.select_related("criterion", "choice_list").order_by("order", "id"))
    choices_by_list: dict[int, list[str]] = {}
    for question in questions:
        if question.choice_list_id and question.choice_list_id not in choices_by_list:
            choices_by_list[question.choice_list_id] = list(
                question.choice_list.choices.order_by("order").values_list("value", flat=True)
            )

    items_of: dict[int, list[str]] = {}
    general_of: dict[int, str] = {}
    overall_item = None
    perception: list[str] = []
    choice_questions: list[ChoiceQuestion] = []
    item_measures: dict[str, str] = {}
    item_order: dict[str, int] = {}
    candidates: list[str] = []
    for position, question in enumerate(questions):
        on_scale = question.kind == QuestionKind.SATISFACTION
        measure = question.measure
        if on_scale and measure == Measure.SATISFACTION and question.criterion_id:
            items_of.setdefault(question.criterion_id, []).append(question.name)
        elif on_scale and measure == Measure.ELEMENT_OVERALL and question.criterion_id:
            general_of.setdefault(question.criterion_id, question.name)
        elif on_scale and measure == Measure.OVERALL:
            overall_item = overall_item or question.name
        elif on_scale and measure == Measure.PERCEPTION:
            perception.append(question.name)
        elif measure in (Measure.EXPECTATION, Measure.PERCEPTION) and question.kind in (
            SINGLE_KINDS | LIST_KINDS
        ):
            choice_questions.append(
                ChoiceQuestion(
                    name=question.name,
                    kind=question.kind,
                    measure=measure,
                    choices=tuple(choices_by_list.get(question.choice_list_id, ())),
                    first_only=question.kind == QuestionKind.RANKING,
                )
            )
        if question.kind == QuestionKind.SINGLE and question.choice_list_id:
            candidates.append(question.name)
        if on_scale:
            item_measures[question.name] = str(measure)
            item_order[question.name] = position

    children_of: dict[int | None, list] = {}
    for criterion in criteria:
        children_of.setdefault(criterion.parent_id, []).append(criterion)

    def build(criterion) -> Node | None:
        children = tuple(n for n in (build(c) for c in children_of.get(criterion.pk, [])) if n is not None)
        items = tuple(items_of.get(criterion.pk, ()))
        general = general_of.get(criterion.pk)
        if not children and not items and not general:
            return None
        return Node(
            code=criterion.code,
            name=criterion.code,
            items=items,
            children=children,
            general_item=general,
            level=criterion.level,
        )

    nodes = tuple(n for n in (build(c) for c in children_of.get(None, [])) if n is not None)
    try:
        method = Method(
            valid=valid,
            satisfied=satisfied,
            nodes=nodes,
            aggregation=aggregation,
            overall_item=overall_item,
            name=str(version),
        )
    except DesignError as exc:
        raise ValidationError(
            lazy_format(
                _("The questionnaire version cannot be estimated with “{aggregation}”: {problem}"),
                aggregation=aggregation,
                problem=str(exc),
            )
        ) from exc
    levels = {c.code: c.level for c in criteria}
    return MethodSpec(
        method=method,
        item_measures={item: item_measures.get(item, "") for item in method.items()},
        node_levels={node.code: levels.get(node.code, node.level) for node in method.all_nodes()},
        node_order={c.code: position for position, c in enumerate(criteria)},
        item_order=item_order,
        perception_items=tuple(perception),
        choice_questions=tuple(choice_questions),
        poststratum_candidates=tuple(candidates),
    )


def single_choice_values(version: QuestionnaireVersion) -> dict[str, list[str]]:
    """Single-choice questions of a version and their answer codes (candidate post-strata), in form order."""
    from hailong.methodology.models import Choice

    questions = list(
        version.questions.filter(kind=QuestionKind.SINGLE, choice_list__isnull=False)
        .order_by("order", "id")
        .values_list("name", "choice_list_id")
    )
    values: dict[int, list[str]] = {}
    for list_id, value in (
        Choice.objects.filter(choice_list_id__in={list_id for _n, list_id in questions})
        .order_by("order", "id")
        .values_list("choice_list_id", "value")
    ):
        values.setdefault(list_id, []).append(value)
    return {name: values.get(list_id, []) for name, list_id in questions}


def poststratum_question(version: QuestionnaireVersion, fields: set[str]) -> str | None:
    """The single-choice question whose answers are the procedure fields of the population totals:
    the one covering most of ``fields`` (the first in the form on a tie); None if none covers any."""
    wanted = {f for f in fields if f}
    best, covered = None, 0
    for name, values in single_choice_values(version).items():
        overlap = len(wanted & set(values))
        if overlap > covered:
            best, covered = name, overlap
    return best
