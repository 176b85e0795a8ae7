"""The figures of a frozen estimation run as flat rows, and CSV / JSON writers that stream them.

One row per stored figure — every ``EstimateValue`` (items, criteria, the overall index, drivers; for
the whole campaign, each unit type, each unit and each breakdown) and every ``ChoiceShareValue``
(``kind = "choice_share"``) — with the columns of ``FIELDS`` (the data dictionary, also written into
the JSON file). Proportions stay 0–1 and are written exactly as stored (``repr`` of the float), so a
file's numbers equal the run's figures.

``min_respondents`` suppresses small cells, as published results must (``hailong.indices.publication``):

- a unit whose overall index has fewer valid respondents (``n``) is suppressed whole: every figure
  of it is blank, and it has no rank;
- any other figure with ``n < min_respondents`` is blank;
- ranks are the ranks among the units not suppressed (``published_rank``): a unit below a
  suppressed one moves up. With ``min_respondents=0`` (the staff exports) nothing is suppressed and
  the ranks are the run's own.

A blank figure keeps its row (``suppressed = true``, ``n`` kept) so a reader can see that it exists
and why it is empty.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.db.models import Case, IntegerField, Value, When
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from hailong.core.texts import text_in
from hailong.indices.choices import DomainKind, FigureKind, ranking_group_label
from hailong.indices.models import ChoiceShareValue, EstimateValue, EstimationRun
from hailong.units.models import Unit

CHOICE_SHARE = "choice_share"
FORMAT_VERSION = "hailong-open-data/1"


@dataclass(frozen=True)
class Field:
    name: str
    type: str  # string, integer, number, boolean, list
    description: object


# The data dictionary: every column, in order.
FIELDS: tuple[Field, ...] = (
    Field("campaign", "string", _("Campaign code")),
    Field("year", "integer", _("Survey year")),
    Field("run", "integer", _("Estimation run number (the frozen computation the figures come from)")),
    Field(
        "domain",
        "string",
        _(
            "What the figure describes: overall (the whole campaign), unit_type (all units of a ranking "
            "group), unit (one unit), breakdown (respondents of one category)"
        ),
    ),
    Field("unit_code", "string", _("Official code of the unit (domain unit), else empty")),
    Field("unit_name", "string", _("Name of the unit (domain unit), else empty")),
    Field("ranking_group", "string", _("The group units are ranked in (unit and unit_type domains)")),
    Field("ranking_group_label", "string", _("Name of the ranking group")),
    Field("breakdown", "string", _("What respondents are cut by (domain breakdown), else empty")),
    Field("category", "string", _("The category of the breakdown, else empty")),
    Field(
        "kind",
        "string",
        _(
            "overall (the satisfaction index), node (a criterion or element), item (a question), "
            "driver (a criterion's correlation with overall satisfaction), choice_share (share of an answer)"
        ),
    ),
    Field("code", "string", _("Criterion code or question name; empty for the overall index")),
    Field("label", "string", _("Name of the criterion or wording of the question")),
    Field("measure", "string", _("What a question measures, or a criterion's level")),
    Field("choice", "string", _("The answer (choice_share rows), else empty")),
    Field("choice_label", "string", _("Wording of the answer (choice_share rows), else empty")),
    Field(
        "estimate",
        "number",
        _(
            "The figure, as a proportion from 0 to 1 (0.8515 = 85.15%); empty when suppressed or not estimable"
        ),
    ),
    Field("se", "number", _("Standard error of the estimate (proportion)")),
    Field("ci_low", "number", _("Lower bound of the confidence interval (proportion)")),
    Field("ci_high", "number", _("Upper bound of the confidence interval (proportion)")),
    Field("n", "integer", _("Respondents with a valid answer (kept even when the figure is suppressed)")),
    Field(
        "rank",
        "integer",
        _("Rank of the unit by the overall index within its ranking group; ties share a rank"),
    ),
    Field(
        "rank_groups",
        "list",
        _("Groups of units that are not significantly different (1 = best); in CSV separated by spaces"),
    ),
    Field("gap", "number", _("Difference from the whole campaign's same figure (proportion)")),
    Field("gap_se", "number", _("Standard error of the difference")),
    Field(
        "gap_flag",
        "string",
        _("above / below: significantly above or below the average; ns: not significantly different"),
    ),
    Field(
        "suppressed",
        "boolean",
        _("true: too few respondents to publish this figure (small-cell suppression); its values are empty"),
    ),
)
FIELD_NAMES = tuple(f.name for f in FIELDS)
FIGURE_COLUMNS = ("estimate", "se", "ci_low", "ci_high", "rank", "rank_groups", "gap", "gap_se", "gap_flag")

_DOMAIN_ORDER = Case(
    When(domain=DomainKind.OVERALL, then=Value(0)),
    When(domain=DomainKind.UNIT_TYPE, then=Value(1)),
    When(domain=DomainKind.UNIT, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
_CHUNK = 2000
_VALUE_COLUMNS = (
    "domain", "unit_id", "unit_type", "breakdown", "category", "kind", "code", "measure",
    "estimate", "se", "ci_low", "ci_high", "n", "rank_groups", "gap", "gap_se", "gap_flag",
)  # fmt: skip
_SHARE_COLUMNS = (
    "domain", "unit_id", "unit_type", "breakdown", "category", "question", "choice",
    "estimate", "se", "ci_low", "ci_high", "n",
)  # fmt: skip


def suppressed_units(run: EstimationRun, min_respondents: int) -> set[int]:
    """Units of the run whose overall index has fewer than ``min_respondents`` valid respondents
    (or that have no overall index at all): they are published with no figure and no rank."""
    if min_respondents <= 0:
        return set()
    units = EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT).values("unit_id").distinct()
    shown = EstimateValue.objects.filter(
        run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL, n__gte=min_respondents
    ).values_list("unit_id", flat=True)
    return set(units.values_list("unit_id", flat=True)) - set(shown)


def published_ranks(ranked: Iterable[tuple[int, str, int | None]], hidden: set[int]) -> dict[int, int | None]:
    """``(unit_id, ranking group, frozen rank)`` → the rank among the units not ``hidden``.

    A competition rank is one plus the number of units strictly better, and a unit is strictly
    better exactly when its rank is smaller; so among the shown units the rank is one plus the
    number of shown units of the group with a smaller frozen rank (ties still share a rank)."""
    by_group: dict[str, list[int]] = {}
    rows = list(ranked)
    for unit_id, group, rank in rows:
        if rank is not None and unit_id not in hidden:
            by_group.setdefault(group, []).append(rank)
    for ranks in by_group.values():
        ranks.sort()
    result: dict[int, int | None] = {}
    for unit_id, group, rank in rows:
        if rank is None or unit_id in hidden:
            result[unit_id] = None
        else:
            result[unit_id] = 1 + bisect.bisect_left(by_group[group], rank)
    return result


def run_ranks(run: EstimationRun, hidden: set[int]) -> dict[int, int | None]:
    """Published ranks of every unit of the run (``None``: suppressed or not ranked)."""
    return published_ranks(
        EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL).values_list(
            "unit_id", "unit_type", "rank"
        ),
        hidden,
    )


def _labels(run: EstimationRun, language: str) -> tuple[dict, dict]:
    from hailong.indices.selectors import choice_labels, version_labels

    figures = {key: text_in(value, language) for key, value in version_labels(run.version).items()}
    choices = {key: text_in(value, language) for key, value in choice_labels(run.version).items()}
    return figures, choices


def run_rows(
    run: EstimationRun, *, min_respondents: int = 0, language: str = "vi"
) -> Iterator[dict[str, Any]]:
    """Every figure of ``run`` as a dict with the keys of ``FIELD_NAMES`` (see the module's notes on
    suppression). Streams: a fixed handful of queries, whatever the size of the run."""
    hidden = suppressed_units(run, min_respondents)
    ranks = run_ranks(run, hidden)
    labels, choice_texts = _labels(run, language)
    campaign = run.campaign
    with translation.override(language):
        group_labels: dict[str, str] = {}

        def group_label(group: str) -> str:
            if group and group not in group_labels:
                group_labels[group] = str(ranking_group_label(group))
            return group_labels.get(group, "")

        base = {"campaign": campaign.code, "year": campaign.year, "run": run.pk}
        # Unit codes and names once (no model instance per row: rows are built from plain tuples).
        units: dict[int, str] = {}
        names: dict[int, str] = {}
        in_run = EstimateValue.objects.filter(run=run, unit__isnull=False).values("unit_id")
        for pk, unit_code, unit_name in Unit.objects.filter(pk__in=in_run).values_list("pk", "code", "name"):
            units[pk], names[pk] = unit_code, unit_name
        values = (
            EstimateValue.objects.filter(run=run)
            .annotate(domain_order=_DOMAIN_ORDER)
            .order_by(
                "domain_order",
                "unit_type",
                "unit__code",
                "breakdown",
                "category",
                "kind",
                "order",
                "code",
                "id",
            )
            .values_list(*_VALUE_COLUMNS)
        )
        for (
            domain, unit_id, unit_type, breakdown, category, kind, code, measure,
            estimate, se, ci_low, ci_high, n, rank_groups, gap, gap_se, gap_flag,
        ) in values.iterator(chunk_size=_CHUNK):  # fmt: skip
            row = {
                **base,
                "domain": domain,
                "unit_code": units.get(unit_id, ""),
                "unit_name": names.get(unit_id, ""),
                "ranking_group": unit_type,
                "ranking_group_label": group_label(unit_type),
                "breakdown": breakdown,
                "category": category,
                "kind": kind,
                "code": code,
                "label": labels.get((kind if kind != FigureKind.DRIVER else FigureKind.NODE, code), ""),
                "measure": measure,
                "choice": "",
                "choice_label": "",
                "estimate": _number(estimate),
                "se": _number(se),
                "ci_low": _number(ci_low),
                "ci_high": _number(ci_high),
                "n": n,
                "rank": ranks.get(unit_id)
                if domain == DomainKind.UNIT and kind == FigureKind.OVERALL
                else None,
                "rank_groups": list(rank_groups or []) if kind == FigureKind.OVERALL else [],
                "gap": _number(gap),
                "gap_se": _number(gap_se),
                "gap_flag": gap_flag,
                "suppressed": False,
            }
            if unit_id in hidden or (min_respondents > 0 and n < min_respondents):
                _blank(row)
            yield row
        shares = (
            ChoiceShareValue.objects.filter(run=run)
            .annotate(domain_order=_DOMAIN_ORDER)
            .order_by(
                "domain_order", "unit_type", "unit__code", "breakdown", "category", "question", "order", "id"
            )
            .values_list(*_SHARE_COLUMNS)
        )
        for (
            domain, unit_id, unit_type, breakdown, category, question, choice, estimate, se, ci_low, ci_high, n,
        ) in shares.iterator(chunk_size=_CHUNK):  # fmt: skip
            row = {
                **base,
                "domain": domain,
                "unit_code": units.get(unit_id, ""),
                "unit_name": names.get(unit_id, ""),
                "ranking_group": unit_type,
                "ranking_group_label": group_label(unit_type),
                "breakdown": breakdown,
                "category": category,
                "kind": CHOICE_SHARE,
                "code": question,
                "label": labels.get((FigureKind.ITEM, question), ""),
                "measure": "",
                "choice": choice,
                "choice_label": choice_texts.get((question, choice), choice),
                "estimate": _number(estimate),
                "se": _number(se),
                "ci_low": _number(ci_low),
                "ci_high": _number(ci_high),
                "n": n,
                "rank": None,
                "rank_groups": [],
                "gap": None,
                "gap_se": None,
                "gap_flag": "",
                "suppressed": False,
            }
            if unit_id in hidden or (min_respondents > 0 and n < min_respondents):
                _blank(row)
            yield row


def _number(value: float | None) -> float | None:
    """A stored figure, or None when there is none (a non-finite value is no figure)."""
    return value if value is None or math.isfinite(value) else None


def _blank(row: dict[str, Any]) -> None:
    for column in FIGURE_COLUMNS:
        row[column] = [] if column == "rank_groups" else ("" if column == "gap_flag" else None)
    row["suppressed"] = True


# ---------------------------------------------------------------------------------------------------
# Writers


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is list:
        return " ".join(str(v) for v in value)
    return value  # the csv module writes a float with repr(): exactly the stored value


def csv_chunks(
    run: EstimationRun, *, min_respondents: int = 0, language: str = "vi", bom: bool = False
) -> Iterator[str]:
    """The CSV text in pieces (a header, then a few hundred rows at a time), for streaming responses.
    ``bom``: start with a UTF-8 byte-order mark, so spreadsheet programs read Vietnamese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if bom:
        buffer.write("\ufeff")
    writer.writerow(FIELD_NAMES)
    for i, row in enumerate(run_rows(run, min_respondents=min_respondents, language=language), 1):
        writer.writerow([_csv_cell(row[name]) for name in FIELD_NAMES])
        if i % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(
    run: EstimationRun, fileobj: IO[str], *, min_respondents: int = 0, language: str = "vi", bom: bool = False
) -> None:
    """Write the run's figures as CSV (one header line, ``FIELD_NAMES``) to a text file object."""
    for chunk in csv_chunks(run, min_respondents=min_respondents, language=language, bom=bom):
        fileobj.write(chunk)


def dictionary(language: str = "vi") -> list[dict[str, str]]:
    """The data dictionary in ``language``: name, type and meaning of every column."""
    with translation.override(language):
        return [{"name": f.name, "type": f.type, "description": str(f.description)} for f in FIELDS]


def json_chunks(
    run: EstimationRun, *, min_respondents: int = 0, language: str = "vi", metadata: dict | None = None
) -> Iterator[str]:
    """The JSON document in pieces: ``{"format", "campaign", "run", "min_respondents", "fields",
    (metadata…), "rows": [...]}``; each row an object with the keys of ``FIELD_NAMES``."""
    campaign = run.campaign
    head = {
        "format": FORMAT_VERSION,
        "campaign": {
            "code": campaign.code,
            "name": text_in(campaign.name, language)
            if isinstance(campaign.name, dict)
            else str(campaign.name),
            "year": campaign.year,
        },
        "run": {
            "id": run.pk,
            "finished_at": run.finished_at.isoformat() if run.finished_at else None,
            "inputs_fingerprint": run.inputs_fingerprint,
            "official": run.official,
            "level": run.parameters.get("level"),
            "aggregation": run.parameters.get("aggregation"),
            "interval_method": run.parameters.get("interval_method"),
        },
        "min_respondents": min_respondents,
        "language": language,
        **(metadata or {}),
        "fields": dictionary(language),
    }
    opening = json.dumps(head, ensure_ascii=False)
    yield opening[:-1] + ', "rows": ['
    pieces: list[str] = []
    for i, row in enumerate(run_rows(run, min_respondents=min_respondents, language=language)):
        pieces.append(("\n" if i == 0 else ",\n") + json.dumps(row, ensure_ascii=False))
        if len(pieces) >= 500:
            yield "".join(pieces)
            pieces = []
    pieces.append("\n]}\n")
    yield "".join(pieces)


def write_json(
    run: EstimationRun,
    fileobj: IO[str],
    *,
    min_respondents: int = 0,
    language: str = "vi",
    metadata: dict | None = None,
) -> None:
    """Write the run's figures as one JSON document (see ``json_chunks``) to a text file object."""
    for chunk in json_chunks(run, min_respondents=min_respondents, language=language, metadata=metadata):
        fileobj.write(chunk)
