"""Reads of estimation runs, each through the one permission check when made for a user.

Who sees what (``results.view``): a run is seen by whoever may see results of its campaign's
organising unit (the province's managers, analysts, leaders); a unit's page within a run by whoever
may see results of that unit (its own officers too). Anything outside answers 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign
from hailong.indices.choices import DomainKind, FigureKind, GapFlag, RunStatus, ranking_group_label
from hailong.indices.models import ChoiceShareValue, EstimateValue, EstimationRun
from hailong.methodology.models import Choice, QuestionnaireVersion
from hailong.stats import difference_test
from hailong.units.models import Unit
from hailong.units.selectors import unit_predecessors

STAGES = {
    "starting": _("Starting"),
    "loading": _("Reading the counted responses"),
    "estimating": _("Estimating indices, standard errors and rankings"),
    "fingerprint": _("Fingerprinting the inputs"),
    "saving": _("Saving the figures"),
    "done": _("Done"),
}


# ---------------------------------------------------------------------------------------------------
# Campaigns and runs for a user


def campaign_results_list_for(*, user) -> QuerySet[Campaign]:
    return permissions.scope(
        Campaign.objects.select_related("organiser", "version__questionnaire"),
        user,
        Perm.RESULTS_VIEW,
        path_field="organiser__path",
    )


def campaign_results_get_for(*, user, campaign_id: int) -> Campaign:
    return get_object_or_404(campaign_results_list_for(user=user), pk=campaign_id)


def may_analyse(user, campaign: Campaign) -> bool:
    """Start runs and upload totals: ``results.analyse`` on the organiser — or, for a campaign of
    a unit that has since been reorganised, on a unit it became (re-estimating on today's units)."""
    if permissions.has_perm(user, Perm.RESULTS_ANALYSE, campaign.organiser):
        return True
    if campaign.organiser.valid_to is None or not permissions.has_perm(user, Perm.RESULTS_ANALYSE):
        return False
    from hailong.units.models import UnitLineage

    frontier, seen = {campaign.organiser_id}, set()
    while frontier:
        seen |= frontier
        successors = set(
            UnitLineage.objects.filter(predecessor_id__in=frontier).values_list("successor_id", flat=True)
        )
        for unit in Unit.objects.filter(pk__in=successors - seen):
            if permissions.has_perm(user, Perm.RESULTS_ANALYSE, unit):
                return True
        frontier = successors - seen
    return False


def run_list(campaign: Campaign) -> QuerySet[EstimationRun]:
    return campaign.estimation_runs.select_related("created_by").order_by("-created_at", "-id")


def run_get_for(*, user, run_id: int) -> EstimationRun:
    runs = permissions.scope(
        EstimationRun.objects.select_related("campaign__organiser", "version__questionnaire", "created_by"),
        user,
        Perm.RESULTS_VIEW,
        path_field="campaign__organiser__path",
    )
    return get_object_or_404(runs, pk=run_id)


def run_unit_get_for(*, user, run_id: int, unit_id: int) -> tuple[EstimationRun, Unit]:
    """The run and one of its units, if the user may see that unit's results."""
    unit = get_object_or_404(permissions.scope(Unit.objects.all(), user, Perm.RESULTS_VIEW), pk=unit_id)
    run = get_object_or_404(
        EstimationRun.objects.select_related("campaign__organiser", "version"),
        pk=run_id,
        status=RunStatus.DONE,
    )
    if not run.values.filter(domain=DomainKind.UNIT, unit=unit).exists():
        raise Http404
    return run, unit


def unit_results_for(*, user, limit: int = 100) -> list[EstimateValue]:
    """The overall figure of every unit the user may see, in the done runs (latest first)."""
    values = permissions.scope(
        EstimateValue.objects.filter(
            domain=DomainKind.UNIT, kind=FigureKind.OVERALL, run__status=RunStatus.DONE
        ),
        user,
        Perm.RESULTS_VIEW,
        path_field="unit__path",
    )
    return list(
        values.select_related("unit", "run__campaign").order_by("-run__finished_at", "unit__name")[:limit]
    )


def stage_label(run: EstimationRun) -> str:
    stage, _sep, count = (run.progress_text or "").partition(":")
    label = str(STAGES.get(stage, stage))
    return f"{label} ({int(count):,})".replace(",", ".") if count.isdigit() else label


# ---------------------------------------------------------------------------------------------------
# What a run shows


def version_labels(version: QuestionnaireVersion) -> dict[tuple[str, str], dict]:
    """Names of criteria (``("node", code)``) and questions (``("item", name)``), per language."""
    labels: dict[tuple[str, str], dict] = {
        (FigureKind.NODE, code): name for code, name in version.criteria.values_list("code", "name")
    }
    labels.update(
        {(FigureKind.ITEM, name): label for name, label in version.questions.values_list("name", "label")}
    )
    return labels


def choice_labels(version: QuestionnaireVersion) -> dict[tuple[str, str], dict]:
    lists = dict(version.questions.filter(choice_list__isnull=False).values_list("name", "choice_list_id"))
    by_list: dict[int, dict[str, dict]] = {}
    for list_id, value, label in Choice.objects.filter(choice_list_id__in=set(lists.values())).values_list(
        "choice_list_id", "value", "label"
    ):
        by_list.setdefault(list_id, {})[value] = label
    return {
        (question, value): label
        for question, list_id in lists.items()
        for value, label in by_list.get(list_id, {}).items()
    }


@dataclass
class NationalGap:
    """A unit's figure against a national average the analyst typed in (a published figure taken
    as known: the test uses the unit's SE only)."""

    average: float
    difference: float | None
    se: float | None
    flag: str


@dataclass
class Line:
    """A figure of a domain, with the province's same figure next to it."""

    value: EstimateValue
    province: EstimateValue | None = None
    label: dict = field(default_factory=dict)
    national: NationalGap | None = None

    @property
    def kind(self) -> str:
        return self.value.kind

    @property
    def code(self) -> str:
        return self.value.code


@dataclass
class TypeRanking:
    group: str
    label: object
    figure: EstimateValue | None
    rows: list[EstimateValue]


@dataclass
class ShareBlock:
    question: str
    label: dict
    rows: list[tuple[ChoiceShareValue, dict]]
    first_only: bool = False


@dataclass
class Overview:
    overall: EstimateValue | None
    nodes: list[Line]
    items: list[Line]
    perception: list[Line]
    rankings: list[TypeRanking]
    shares: list[ShareBlock]
    missing_units: list[Unit]


def national_averages(run: EstimationRun) -> dict[tuple[str, str], float]:
    """The national averages of the run's parameters, by (figure kind, code)."""
    typed = run.parameters.get("national") or {}
    found = {}
    for code, average in typed.items():
        if code == "overall":
            found[(FigureKind.OVERALL, "")] = float(average)
        else:
            found[(FigureKind.NODE, code)] = float(average)
            found[(FigureKind.ITEM, code)] = float(average)
    return found


def national_gap(run: EstimationRun, value: EstimateValue, average: float) -> NationalGap:
    if value.estimate is None:
        return NationalGap(average=average, difference=None, se=None, flag="")
    difference, se, p_value = difference_test(value.estimate, average, (value.se or 0.0) ** 2, 0.0)
    alpha = 1 - float(run.parameters.get("level", 0.95))
    if float(p_value) < alpha:
        flag = GapFlag.ABOVE if difference > 0 else GapFlag.BELOW
    else:
        flag = GapFlag.NOT_SIGNIFICANT
    return NationalGap(average=average, difference=float(difference), se=float(se), flag=str(flag))


def _lines(values, labels, province=None, run: EstimationRun | None = None) -> list[Line]:
    national = national_averages(run) if run is not None else {}
    lines = []
    for v in values:
        key = (v.kind, v.code)
        line = Line(value=v, province=(province or {}).get(key), label=labels.get(key, {}))
        if key in national:
            line.national = national_gap(run, v, national[key])
        lines.append(line)
    return lines


def _share_blocks(run: EstimationRun, shares: list[ChoiceShareValue]) -> list[ShareBlock]:
    labels = version_labels(run.version)
    choices = choice_labels(run.version)
    rankings = set(run.version.questions.filter(kind="ranking").values_list("name", flat=True))
    blocks: dict[str, ShareBlock] = {}
    for share in shares:
        block = blocks.setdefault(
            share.question,
            ShareBlock(
                question=share.question,
                label=labels.get((FigureKind.ITEM, share.question), {}),
                rows=[],
                first_only=share.question in rankings,
            ),
        )
        block.rows.append((share, choices.get((share.question, share.choice), {"vi": share.choice})))
    return list(blocks.values())


def run_overview(run: EstimationRun) -> Overview:
    labels = version_labels(run.version)
    whole = list(
        EstimateValue.objects.filter(run=run, domain=DomainKind.OVERALL).order_by("kind", "order", "code")
    )
    overall = next((v for v in whole if v.kind == FigureKind.OVERALL), None)
    nodes = [v for v in whole if v.kind == FigureKind.NODE]
    items = [v for v in whole if v.kind == FigureKind.ITEM and v.measure != "perception"]
    perception = [v for v in whole if v.kind == FigureKind.ITEM and v.measure == "perception"]
    types = {
        v.unit_type: v
        for v in EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT_TYPE, kind=FigureKind.OVERALL)
    }
    units = EstimateValue.objects.filter(
        run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL
    ).select_related("unit")
    by_group: dict[str, list[EstimateValue]] = {}
    for value in units:
        by_group.setdefault(value.unit_type, []).append(value)
    rankings = [
        TypeRanking(
            group=group,
            label=ranking_group_label(group),
            figure=types.get(group),
            rows=sorted(rows, key=lambda v: (v.rank or 10**9, v.unit.name)),
        )
        for group, rows in sorted(by_group.items(), key=lambda pair: str(ranking_group_label(pair[0])))
    ]
    estimated = {v.unit_id for v in units}
    missing = []
    if run.official:
        missing = [
            p.unit
            for p in run.campaign.participants.select_related("unit").order_by("unit__name")
            if p.unit_id not in estimated
        ]
    shares = list(
        ChoiceShareValue.objects.filter(run=run, domain=DomainKind.OVERALL).order_by("question", "order")
    )
    return Overview(
        overall=overall,
        nodes=_lines(nodes, labels),
        items=_lines(items, labels),
        perception=_lines(perception, labels),
        rankings=rankings,
        shares=_share_blocks(run, shares),
        missing_units=missing,
    )


@dataclass
class UnitReport:
    run: EstimationRun
    unit: Unit
    overall: Line
    nodes: list[Line]
    items: list[Line]
    perception: list[Line]
    shares: list[ShareBlock]
    ranked_among: int


def run_unit_report(run: EstimationRun, unit: Unit) -> UnitReport:
    labels = version_labels(run.version)
    mine = list(
        EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT, unit=unit).order_by(
            "kind", "order", "code"
        )
    )
    province = {(v.kind, v.code): v for v in EstimateValue.objects.filter(run=run, domain=DomainKind.OVERALL)}
    lines = _lines(mine, labels, province, run=run)
    overall = next(line for line in lines if line.kind == FigureKind.OVERALL)
    ranked_among = EstimateValue.objects.filter(
        run=run,
        domain=DomainKind.UNIT,
        kind=FigureKind.OVERALL,
        unit_type=overall.value.unit_type,
        rank__isnull=False,
    ).count()
    shares = list(
        ChoiceShareValue.objects.filter(run=run, domain=DomainKind.UNIT, unit=unit).order_by(
            "question", "order"
        )
    )
    return UnitReport(
        run=run,
        unit=unit,
        overall=overall,
        nodes=[line for line in lines if line.kind == FigureKind.NODE],
        items=[line for line in lines if line.kind == FigureKind.ITEM and line.value.measure != "perception"],
        perception=[
            line for line in lines if line.kind == FigureKind.ITEM and line.value.measure == "perception"
        ],
        shares=_share_blocks(run, shares),
        ranked_among=ranked_among,
    )


# ---------------------------------------------------------------------------------------------------
# Change since an earlier year


def baseline_candidates(run: EstimationRun) -> list[EstimationRun]:
    """Done runs of earlier campaigns of the same organiser (or of the units it was formed from),
    latest year first, official runs before recomputations."""
    organiser = run.campaign.organiser
    organisers = {organiser.pk} | {step.unit.pk for step in unit_predecessors(organiser)}
    return list(
        EstimationRun.objects.filter(
            status=RunStatus.DONE, campaign__organiser_id__in=organisers, campaign__year__lt=run.campaign.year
        )
        .select_related("campaign")
        .order_by("-campaign__year", "-official", "-finished_at", "-id")[:50]
    )


def baseline_default(
    run: EstimationRun, candidates: list[EstimationRun] | None = None
) -> EstimationRun | None:
    """The latest official done run of the most recent earlier year — or, if its units are not this
    run's (the units were reorganised since), that year's run that does share them (a lineage
    recomputation on today's units)."""
    candidates = baseline_candidates(run) if candidates is None else candidates
    if not candidates:
        return None
    year = candidates[0].campaign.year
    same_year = [c for c in candidates if c.campaign.year == year]
    units = EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL).values(
        "unit_id"
    )
    for candidate in same_year:
        if EstimateValue.objects.filter(run=candidate, domain=DomainKind.UNIT, unit_id__in=units).exists():
            return candidate
    return same_year[0]


@dataclass
class Change:
    kind: str
    code: str
    unit_id: int | None
    current: EstimateValue
    baseline: EstimateValue
    difference: float | None
    se: float | None
    significant: bool
    label: dict = field(default_factory=dict)


def run_compare(
    run: EstimationRun,
    baseline: EstimationRun,
    *,
    unit: Unit | None = None,
    kinds: tuple[str, ...] | None = None,
) -> list[Change]:
    """Differences between two runs for the same domains and figures (matched by unit and code).
    The two years are independent samples: ``se = sqrt(se₁² + se₂²)``, a normal test at the
    current run's level."""
    domain = DomainKind.UNIT if unit is not None else None

    def values(of: EstimationRun):
        qs = EstimateValue.objects.filter(run=of)
        qs = (
            qs.filter(domain=domain, unit=unit)
            if unit is not None
            else qs.filter(domain__in=[DomainKind.OVERALL, DomainKind.UNIT])
        )
        # Drivers are correlations without a standard error: not compared across years.
        qs = qs.filter(kind__in=kinds or (FigureKind.ITEM, FigureKind.NODE, FigureKind.OVERALL))
        return {(v.domain, v.unit_id, v.kind, v.code): v for v in qs}

    now, before = values(run), values(baseline)
    alpha = 1 - float(run.parameters.get("level", 0.95))
    labels = version_labels(run.version)
    changes = []
    for key in sorted(
        now, key=lambda k: (now[k].domain, now[k].unit_id or 0, now[k].kind, now[k].order, now[k].code)
    ):
        if key not in before:
            continue
        current, earlier = now[key], before[key]
        difference = se = None
        significant = False
        if current.estimate is not None and earlier.estimate is not None:
            d, s, p = difference_test(
                current.estimate, earlier.estimate, (current.se or 0) ** 2, (earlier.se or 0) ** 2
            )
            difference, se = float(d), float(s)
            significant = bool(np.asarray(p) < alpha)
        changes.append(
            Change(
                kind=current.kind,
                code=current.code,
                unit_id=current.unit_id,
                current=current,
                baseline=earlier,
                difference=difference,
                se=se,
                significant=significant,
                label=labels.get((current.kind, current.code), {}),
            )
        )
    return changes
