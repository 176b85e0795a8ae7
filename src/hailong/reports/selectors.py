"""Reads for the dashboards, scorecards and exports — through the one permission check.

Everything shown comes from one frozen estimation run (``EstimateValue`` / ``ChoiceShareValue``
rows), read with the indices selectors where they exist (``run_unit_report``, ``run_compare``,
``baseline_default``…). A done run never changes, so what is computed from it alone is cached by run
id (``cached``); only the live fieldwork counts of an open campaign are cached briefly.

Who sees what: a campaign's dashboard and exports need ``results.view`` on its organising unit; a
unit's scorecard and its PDF need ``results.view`` on that unit (a unit officer sees only their own
unit's); the CSV/JSON of all figures also need ``data.export``. Anything else answers 404.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import translation
from django.utils.translation import gettext as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign
from hailong.core.texts import text_in
from hailong.indices.choices import (
    COUNTED_STATUSES,
    DomainKind,
    FigureKind,
    GapFlag,
    RunStatus,
    ranking_group_label,
)
from hailong.indices.models import ChoiceShareValue, EstimateValue, EstimationRun
from hailong.indices.selectors import (
    baseline_candidates,
    campaign_results_list_for,
    choice_labels,
    run_compare,
    run_get_for,
    run_unit_get_for,
    run_unit_report,
    version_labels,
)
from hailong.reports import charts
from hailong.reports.choices import BREAKDOWN_CHANNEL, BREAKDOWN_LABELS, ExportKind
from hailong.reports.models import ExportJob
from hailong.units.models import Unit

CACHE_SECONDS = 3600
LIVE_SECONDS = 120
# Charts draw at most this many units (the best and the worst halves); the grid and the tables show all.
CHART_UNITS = 50
# Tiles of the ranked grid per page (a province has a few hundred units; the nation thousands).
GRID_PAGE = 300
GROUP_ORDER = {"department": 0, "commune": 1, "district": 2, "province": 3}


_MEMO: OrderedDict[str, tuple[float, Any]] = OrderedDict()
_MEMO_SIZE = 512
_MEMO_LOCK = threading.Lock()


def cached(key: str, build: Callable[[], Any], seconds: int = CACHE_SECONDS) -> Any:
    """``build()`` once per key and process, kept ``seconds`` (least recently used dropped first).

    The figures of a done run never change, and keys carry the run's id and finish time, so this is
    safe; it is kept in the process (not Django's cache) because unpickling thousands of unit rows
    on every request would cost more than reading them. Values are shared: never mutate them."""
    now = time.monotonic()
    with _MEMO_LOCK:
        hit = _MEMO.get(key)
        if hit is not None and hit[0] > now:
            _MEMO.move_to_end(key)
            return hit[1]
    value = build()
    with _MEMO_LOCK:
        _MEMO[key] = (now + seconds, value)
        _MEMO.move_to_end(key)
        while len(_MEMO) > _MEMO_SIZE:
            _MEMO.popitem(last=False)
    return value


def forget() -> None:
    """Drop everything ``cached`` holds (tests; after a run was deleted and its id reused)."""
    with _MEMO_LOCK:
        _MEMO.clear()


def run_key(run: EstimationRun) -> str:
    finished = run.finished_at.timestamp() if run.finished_at else 0
    return f"{run.pk}.{finished:.6f}"


def _lang() -> str:
    return translation.get_language() or "vi"


# ---------------------------------------------------------------------------------------------------
# Access


def dashboard_campaigns_for(*, user) -> list[Campaign]:
    """Campaigns whose results the user may see, each with its latest done official run
    (``latest_run``; ``None`` when there is none yet)."""
    campaigns = list(campaign_results_list_for(user=user).order_by("-year", "code"))
    runs: dict[int, EstimationRun] = {}
    for run in EstimationRun.objects.filter(
        campaign__in=campaigns, status=RunStatus.DONE, official=True
    ).order_by("campaign_id", "-finished_at", "-id"):
        runs.setdefault(run.campaign_id, run)
    for campaign in campaigns:
        campaign.latest_run = runs.get(campaign.pk)
    return campaigns


def dashboard_run_get_for(*, user, run_id: int) -> EstimationRun:
    run = run_get_for(user=user, run_id=run_id)
    if not run.is_done:
        raise Http404
    return run


def scorecard_get_for(*, user, run_id: int, unit_id: int) -> tuple[EstimationRun, Unit]:
    """The run and one of its units if the user may see that unit's results (else 404)."""
    return run_unit_get_for(user=user, run_id=run_id, unit_id=unit_id)


def export_allowed(user, run: EstimationRun, unit: Unit | None, kind: str) -> bool:
    if not run.is_done:
        return False
    if unit is not None:
        return kind == ExportKind.PDF and permissions.has_perm(user, Perm.RESULTS_VIEW, unit)
    organiser = run.campaign.organiser
    if not permissions.has_perm(user, Perm.RESULTS_VIEW, organiser):
        return False
    if kind in (ExportKind.CSV, ExportKind.JSON):
        return permissions.has_perm(user, Perm.DATA_EXPORT, organiser)
    return True


def export_job_get_for(*, user, job_id: int) -> ExportJob:
    """A job the user may still read: the permission is asked again at every look and download."""
    job = get_object_or_404(
        ExportJob.objects.select_related("run__campaign__organiser", "unit", "created_by"), pk=job_id
    )
    if not export_allowed(user, job.run, job.unit, job.kind):
        raise Http404
    return job


def export_jobs_for(
    *, user, run: EstimationRun, unit: Unit | None = None, limit: int = 10
) -> list[ExportJob]:
    jobs = ExportJob.objects.filter(run=run, created_by=user).select_related("unit")
    jobs = jobs.filter(unit=unit) if unit is not None else jobs
    return list(jobs.order_by("-created_at", "-id")[:limit])


# ---------------------------------------------------------------------------------------------------
# Figures of a run


@dataclass(frozen=True)
class UnitRow:
    """A unit's overall index in a run, with what the rankings need."""

    unit_id: int
    code: str
    name: str
    group: str
    rank: int | None
    groups: tuple[int, ...]
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    gap: float | None
    gap_flag: str


def unit_rows(run: EstimationRun) -> list[UnitRow]:
    """Every unit's overall index, in rank order within each ranking group (cached per run)."""

    def build() -> list[UnitRow]:
        rows = EstimateValue.objects.filter(
            run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL
        ).values_list(
            "unit_id",
            "unit__code",
            "unit__name",
            "unit_type",
            "rank",
            "rank_groups",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "n",
            "gap",
            "gap_flag",
        )
        result = [
            UnitRow(
                r[0], r[1], r[2], r[3], r[4], tuple(r[5] or ()), r[6], r[7], r[8], r[9], r[10], r[11], r[12]
            )
            for r in rows
        ]
        result.sort(key=lambda r: (r.group, r.rank or 10**9, r.name))
        return result

    return cached(f"reports:units:{run_key(run)}", build)


def group_label(group: str) -> str:
    return str(ranking_group_label(group))


def run_groups(rows: list[UnitRow]) -> list[tuple[str, str, int]]:
    """(ranking group, its label, number of units), departments first, then communes."""
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.group] = counts.get(row.group, 0) + 1
    return sorted(
        ((g, group_label(g), n) for g, n in counts.items()), key=lambda t: (GROUP_ORDER.get(t[0], 9), t[1])
    )


def labels_of(run: EstimationRun) -> dict[tuple[str, str], str]:
    """Criterion and question names in the active language (cached per version)."""
    language = _lang()

    def build():
        return {key: text_in(value, language) for key, value in version_labels(run.version).items()}

    return cached(f"reports:labels:{run.version_id}:{language}", build)


def figures(run: EstimationRun, *, domain: str, unit_type: str = "", breakdown: str = "", category: str = ""):
    """The figures (overall, nodes, items, drivers) of one domain that is not a unit, as plain dicts."""
    key = f"reports:fig:{run_key(run)}:{domain}:{unit_type}:{breakdown}:{category}"

    def build():
        qs = EstimateValue.objects.filter(run=run, domain=domain)
        if domain != DomainKind.OVERALL:
            qs = qs.filter(unit_type=unit_type, breakdown=breakdown, category=category)
        return list(
            qs.order_by("kind", "order", "code").values(
                "kind", "code", "measure", "order", "estimate", "se", "ci_low", "ci_high", "n"
            )
        )

    return cached(key, build)


def node_levels(values: list[dict]) -> tuple[list[dict], list[dict]]:
    """(the top-level nodes — elements, or pillars' elements —, every node) in method order."""
    nodes = [v for v in values if v["kind"] == FigureKind.NODE]
    elements = [v for v in nodes if v["measure"] == "element"] or [
        v for v in nodes if v["measure"] not in ("criterion", "subcriterion")
    ]
    return elements or nodes, nodes


def _overall(values: list[dict]) -> dict | None:
    return next((v for v in values if v["kind"] == FigureKind.OVERALL), None)


def chart_slice(rows: list, limit: int = CHART_UNITS) -> tuple[list, bool]:
    """All rows if few; else the best and the worst ``limit // 2`` (the chart says so)."""
    if len(rows) <= limit:
        return rows, False
    half = limit // 2
    return rows[:half] + rows[-half:], True


def flag_label(flag: str) -> str:
    try:
        return str(GapFlag(flag).label)
    except ValueError:
        return "–"


# ---------------------------------------------------------------------------------------------------
# Breakdowns (channel, procedure field, applicant type)


def breakdown_dimensions(run: EstimationRun) -> list[str]:
    def build():
        return sorted(
            set(
                EstimateValue.objects.filter(run=run, domain=DomainKind.BREAKDOWN, kind=FigureKind.OVERALL)
                .values_list("breakdown", flat=True)
                .distinct()
            )
        )

    return cached(f"reports:dims:{run_key(run)}", build)


def category_label(run: EstimationRun, dimension: str, category: str) -> str:
    if dimension == BREAKDOWN_CHANNEL:
        from hailong.collection.models import Channel

        try:
            return str(Channel(category).label)
        except ValueError:
            return category
    language = _lang()
    labels = cached(
        f"reports:choices:{run.version_id}:{language}",
        lambda: {k: text_in(v, language) for k, v in choice_labels(run.version).items()},
    )
    return labels.get((dimension, category), category)


def dimension_label(dimension: str) -> str:
    return str(BREAKDOWN_LABELS.get(dimension, dimension))


def breakdown_rows(run: EstimationRun, dimension: str, unit_type: str = "") -> list[dict]:
    """The overall index of each category of ``dimension`` (whole campaign, or one ranking group)."""

    def build():
        return list(
            EstimateValue.objects.filter(
                run=run,
                domain=DomainKind.BREAKDOWN,
                kind=FigureKind.OVERALL,
                breakdown=dimension,
                unit_type=unit_type,
            )
            .order_by("order", "category")
            .values("category", "estimate", "se", "ci_low", "ci_high", "n")
        )

    return cached(f"reports:bd:{run_key(run)}:{dimension}:{unit_type}", build)


# ---------------------------------------------------------------------------------------------------
# Fieldwork


@dataclass
class Fieldwork:
    participants: int
    target: int
    received: int
    approved: int
    pending: int
    rejected: int
    counted: int
    units_estimated: int
    below_target: list[tuple[UnitRow, int]]  # (unit, target) with fewer counted respondents

    @property
    def target_share(self) -> float | None:
        return 100 * self.counted / self.target if self.target else None


def fieldwork(run: EstimationRun, rows: list[UnitRow]) -> Fieldwork:
    """Responses received (live, cached briefly) and counted by this run, against the targets."""
    from hailong.collection.models import Response, ResponseStatus

    campaign = run.campaign

    def live():
        statuses = dict(
            Response.objects.filter(campaign=campaign)
            .order_by()
            .values_list("status")
            .annotate(n=Count("id"))
        )
        targets = dict(campaign.participants.values_list("unit_id", "target").order_by())
        return statuses, targets

    statuses, targets = cached(f"reports:live:{campaign.pk}", live, LIVE_SECONDS)
    default = campaign.default_target or 0
    by_unit = {row.unit_id: row for row in rows}
    below = []
    total_target = 0
    for unit_id, target in targets.items():
        target = target if target is not None else default
        total_target += target
        row = by_unit.get(unit_id)
        if row is not None and target and row.n < target:
            below.append((row, target))
    below.sort(key=lambda pair: pair[0].n / pair[1])
    return Fieldwork(
        participants=len(targets),
        target=total_target,
        received=sum(statuses.values()),
        approved=statuses.get(ResponseStatus.APPROVED, 0),
        pending=statuses.get(ResponseStatus.SUBMITTED, 0),
        rejected=statuses.get(ResponseStatus.REJECTED, 0),
        counted=run.n_responses,
        units_estimated=len(rows),
        below_target=below,
    )


# ---------------------------------------------------------------------------------------------------
# Trend over years


def trend_points(run: EstimationRun, group: str | None = None) -> list[dict]:
    """The overall index of this run and of each earlier year's run (the one change-since-last-year
    would use: official first), for the whole campaign and, where it exists, the ranking group."""
    language = _lang()

    def build():
        runs = [run]
        seen_years = {run.campaign.year}
        for candidate in baseline_candidates(run):
            if candidate.campaign.year not in seen_years:
                seen_years.add(candidate.campaign.year)
                runs.append(candidate)
        values = EstimateValue.objects.filter(
            Q(domain=DomainKind.OVERALL) | Q(domain=DomainKind.UNIT_TYPE, unit_type=group or "-"),
            run__in=runs,
            kind=FigureKind.OVERALL,
        ).values("run_id", "domain", "estimate", "ci_low", "ci_high", "n")
        year_of = {r.pk: r.campaign.year for r in runs}
        with translation.override(language):
            whole = _("Whole campaign")
            group_name = group_label(group) if group else ""
        points = [
            {
                "year": year_of[v["run_id"]],
                "series": whole if v["domain"] == DomainKind.OVERALL else group_name,
                "estimate": v["estimate"],
                "ci_low": v["ci_low"],
                "ci_high": v["ci_high"],
                "n": v["n"],
            }
            for v in values
        ]
        return sorted(points, key=lambda p: (p["series"] != whole, p["year"]))

    return cached(f"reports:trend:{run_key(run)}:{group}:{language}", build, 600)


# ---------------------------------------------------------------------------------------------------
# The dashboard


@dataclass
class Dashboard:
    run: EstimationRun
    groups: list[tuple[str, str, int]]
    group: str
    group_figure: dict | None
    overall: dict | None
    scope_label: str
    criteria: list[dict]
    fieldwork: Fieldwork
    ranking: list[UnitRow]
    grid: list[dict]
    grid_page: int
    grid_pages: int
    dimensions: list[str]
    dimension: str
    dimension_available: bool
    categories: list[dict]
    category: str
    charts: dict[str, dict] = field(default_factory=dict)
    truncated: bool = False

    @property
    def breakdown_options(self) -> list[tuple[str, str]]:
        return [(key, str(label)) for key, label in BREAKDOWN_LABELS.items()]


def _index_bucket(value: float | None) -> int:
    """0–9 colour classes of the grid: below 50% is 0, then a class per 5 points up to 95%+."""
    if value is None:
        return -1
    return max(0, min(9, int((value * 100 - 50) // 5)))


def dashboard(
    run: EstimationRun, *, group: str = "", dimension: str = "", category: str = "", grid_page: int = 1
) -> Dashboard:
    language = _lang()
    rows = unit_rows(run)
    groups = run_groups(rows)
    known = {g for g, _label, _n in groups}
    group = group if group in known else (groups[0][0] if groups else "")
    ranking = [r for r in rows if r.group == group]
    whole = figures(run, domain=DomainKind.OVERALL)
    group_values = figures(run, domain=DomainKind.UNIT_TYPE, unit_type=group) if group else []
    dimensions = breakdown_dimensions(run)
    available = dimension in dimensions
    categories = []
    scope_values, scope_label = whole, _("Whole campaign")
    if available:
        breakdown = breakdown_rows(run, dimension)
        categories = [{**v, "label": category_label(run, dimension, v["category"])} for v in breakdown]
        if category and any(c["category"] == category for c in categories):
            scope_values = figures(run, domain=DomainKind.BREAKDOWN, breakdown=dimension, category=category)
            scope_label = f"{dimension_label(dimension)}: {category_label(run, dimension, category)}"
        else:
            category = ""
    else:
        category = ""
    labels = labels_of(run)
    elements, nodes = node_levels(scope_values)
    whole_nodes = {v["code"]: v for v in whole if v["kind"] == FigureKind.NODE}
    criteria = [
        {
            **v,
            "label": f"{v['code']} {labels.get((FigureKind.NODE, v['code']), '')}".strip(),
            "campaign": whole_nodes.get(v["code"], {}).get("estimate"),
            "top": v in elements,
        }
        for v in nodes
    ]
    overall = _overall(scope_values)
    from django.urls import reverse

    scorecard_prefix = reverse("reports:scorecard", args=[run.pk, 0])[: -len("0/")]
    pages = max(1, -(-len(ranking) // GRID_PAGE))
    grid_page = min(max(1, grid_page), pages)
    grid = [
        {"row": r, "bucket": _index_bucket(r.estimate), "url": f"{scorecard_prefix}{r.unit_id}/"}
        for r in ranking[(grid_page - 1) * GRID_PAGE : grid_page * GRID_PAGE]
    ]
    board = Dashboard(
        run=run,
        groups=groups,
        group=group,
        group_figure=_overall(group_values),
        overall=overall,
        scope_label=scope_label,
        criteria=criteria,
        fieldwork=fieldwork(run, rows),
        ranking=ranking,
        grid=grid,
        grid_page=grid_page,
        grid_pages=pages,
        dimensions=dimensions,
        dimension=dimension,
        dimension_available=available,
        categories=categories,
        category=category,
    )
    board.charts = cached(
        f"reports:charts:{run_key(run)}:{group}:{dimension}:{category}:{language}",
        lambda: dashboard_charts(run, board),
    )
    board.truncated = len(ranking) > CHART_UNITS
    return board


def dashboard_charts(run: EstimationRun, board: Dashboard) -> dict[str, dict]:
    """Every chart of the dashboard, as Vega-Lite specs."""
    label = group_label(board.group) if board.group else ""
    shown, truncated = chart_slice(board.ranking)
    title = _("Ranking: %(group)s") % {"group": label}
    if truncated:
        title = _("Ranking: %(group)s — the %(n)d best and the %(n)d lowest") % {
            "group": label,
            "n": CHART_UNITS // 2,
        }
    whole = _overall(figures(run, domain=DomainKind.OVERALL))
    specs = {
        "ranking": charts.interval_bars(
            [
                {
                    "label": f"{r.rank or '–'}. {r.name}",
                    "unit": r.code,
                    "estimate": r.estimate,
                    "ci_low": r.ci_low,
                    "ci_high": r.ci_high,
                    "flag": r.gap_flag,
                    "flag_label": flag_label(r.gap_flag),
                    "n": r.n,
                }
                for r in shown
            ],
            title=title,
            average=whole["estimate"] if whole else None,
            average_label=_("Whole campaign"),
            colour_by_flag=True,
        ),
        "criteria": charts.interval_bars(
            [
                {
                    "label": c["label"],
                    "code": c["code"],
                    "estimate": c["estimate"],
                    "ci_low": c["ci_low"],
                    "ci_high": c["ci_high"],
                    "n": c["n"],
                }
                for c in board.criteria
                if c["top"]
            ],
            title=_("Criteria: %(scope)s") % {"scope": board.scope_label},
        ),
        "distribution": charts.distribution(
            charts.histogram_bins([r.estimate for r in board.ranking if r.estimate is not None]),
            title=_("Distribution of the units' indices: %(group)s") % {"group": label},
        ),
        "trend": charts.trend(trend_points(run, board.group), title=_("Overall index over the years")),
    }
    heat = heatmap_rows(run, shown)
    if heat["rows"]:
        specs["heatmap"] = charts.heatmap(
            heat["rows"],
            title=_("Units × criteria: %(group)s") % {"group": label},
            units=heat["units"],
            criteria=heat["criteria"],
        )
    if board.categories:
        specs["breakdown"] = charts.interval_bars(
            [
                {
                    "label": c["label"],
                    "category": c["category"],
                    "estimate": c["estimate"],
                    "ci_low": c["ci_low"],
                    "ci_high": c["ci_high"],
                    "n": c["n"],
                }
                for c in board.categories
            ],
            title=_("Overall index by %(dimension)s")
            % {"dimension": dimension_label(board.dimension).lower()},
            average=whole["estimate"] if whole else None,
            average_label=_("Whole campaign"),
        )
    return specs


def heatmap_rows(run: EstimationRun, shown: list[UnitRow]) -> dict:
    """The top-level criteria of the units drawn: one cell per (unit, criterion)."""
    labels = labels_of(run)
    elements, _nodes = node_levels(figures(run, domain=DomainKind.OVERALL))
    codes = [e["code"] for e in elements]
    names = {r.unit_id: f"{r.rank or '–'}. {r.name}" for r in shown}
    cells = EstimateValue.objects.filter(
        run=run, domain=DomainKind.UNIT, kind=FigureKind.NODE, unit_id__in=list(names), code__in=codes
    ).values_list("unit_id", "code", "estimate")
    criterion = {code: f"{code} {labels.get((FigureKind.NODE, code), '')}".strip() for code in codes}
    rows = [
        {"unit": names[unit_id], "criterion": criterion[code], "code": code, "estimate": estimate}
        for unit_id, code, estimate in cells
        if estimate is not None
    ]
    return {
        "rows": rows,
        "units": [names[r.unit_id] for r in shown],
        "criteria": [criterion[c] for c in codes],
    }


# ---------------------------------------------------------------------------------------------------
# The unit scorecard

PHONE = re.compile(r"(?<![\w])(?:\+?84|0)(?:[\s.\-]?\d){8,10}(?![\w])")
EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+")


def mask_personal(text: str) -> str:
    """Phone numbers and e-mail addresses written inside a comment are hidden."""
    text = EMAIL.sub(_("[e-mail hidden]"), text)
    return PHONE.sub(_("[phone number hidden]"), text)


def comment_questions(run: EstimationRun) -> list[tuple[str, str]]:
    """(name, label) of the version's open-comment questions."""
    from hailong.methodology.choices import Measure, QuestionKind

    language = _lang()

    def build():
        rows = (
            run.version.questions.filter(
                Q(measure=Measure.COMMENT) | Q(kind=QuestionKind.LONG_TEXT, measure__in=("", Measure.OTHER))
            )
            .order_by("order")
            .values_list("name", "label")
        )
        return [(name, text_in(label, language)) for name, label in rows]

    return cached(f"reports:comments:q:{run.version_id}:{language}", build)


@dataclass
class Comment:
    question: str
    text: str


def unit_comments(run: EstimationRun, unit: Unit, *, search: str = "", page: int = 1, per_page: int = 20):
    """Open-text answers of the unit's counted responses (the statuses the run counted), personal
    data masked; never anything from ``ResponseContact``. Returns a page of ``Comment`` lists."""
    from django.db.models import TextField
    from django.db.models.fields.json import KT
    from django.db.models.functions import Cast

    from hailong.collection.models import Response

    questions = comment_questions(run)
    statuses = COUNTED_STATUSES.get(run.parameters.get("counted", "approved"), ("approved",))
    names = [name for name, _label in questions]
    responses = Response.objects.filter(campaign_id=run.campaign_id, unit=unit, status__in=statuses)
    if not names:
        return Paginator(responses.none(), per_page).get_page(page), questions
    has_text = Q()
    matches = Q()
    annotations = {f"c{i}": Cast(KT(f"answers__{name}"), TextField()) for i, name in enumerate(names)}
    responses = responses.annotate(**annotations)
    for i in range(len(names)):
        has_text |= Q(**{f"c{i}__gt": ""})
        if search:
            matches |= Q(**{f"c{i}__icontains": search})
    responses = responses.filter(has_text)
    if search:
        responses = responses.filter(matches)
    rows = responses.order_by("-received_at", "-id").values_list(*annotations)
    paged = Paginator(rows, per_page).get_page(page)
    paged.object_list = [
        [Comment(question=names[i], text=mask_personal(str(value))) for i, value in enumerate(row) if value]
        for row in paged.object_list
    ]
    return paged, questions


@dataclass
class Scorecard:
    run: EstimationRun
    unit: Unit
    report: Any  # indices.selectors.UnitReport
    row: UnitRow | None
    ranked_among: int
    peers: list[UnitRow]
    baseline: EstimationRun | None
    candidates: list[EstimationRun]
    change: Any  # indices.selectors.Change of the overall index, or None
    criteria: list[dict]
    items: list[dict]
    perception: list[dict]
    expectations: list
    drivers: list[dict]
    charts: dict[str, dict] = field(default_factory=dict)

    @property
    def expectation_charts(self) -> list[tuple[str, dict]]:
        return [(name, spec) for name, spec in self.charts.items() if name.startswith("expectation")]

    @property
    def below(self) -> list[dict]:
        return [line for line in self.criteria + self.items if line["flag"] == GapFlag.BELOW]


def scorecard_baselines(run: EstimationRun, unit: Unit) -> list[EstimationRun]:
    def build():
        candidates = baseline_candidates(run)
        having = set(
            EstimateValue.objects.filter(
                run__in=candidates, domain=DomainKind.UNIT, unit=unit, kind=FigureKind.OVERALL
            ).values_list("run_id", flat=True)
        )
        return [c.pk for c in candidates if c.pk in having]

    ids = cached(f"reports:baselines:{run_key(run)}:{unit.pk}", build, 600)
    by_id = {r.pk: r for r in EstimationRun.objects.filter(pk__in=ids).select_related("campaign")}
    return [by_id[i] for i in ids if i in by_id]


def scorecard(run: EstimationRun, unit: Unit, *, baseline_id: str = "") -> Scorecard:
    language = _lang()
    report = run_unit_report(run, unit)
    rows = unit_rows(run)
    row = next((r for r in rows if r.unit_id == unit.pk), None)
    peers: list[UnitRow] = []
    if row is not None and row.groups:
        mine = set(row.groups)
        peers = [r for r in rows if r.group == row.group and r.unit_id != unit.pk and mine & set(r.groups)]
    candidates = scorecard_baselines(run, unit)
    baseline = None
    if baseline_id != "none":
        if baseline_id.isdigit():
            baseline = next((c for c in candidates if c.pk == int(baseline_id)), None)
        baseline = baseline or (candidates[0] if candidates else None)
    changes = {(c.kind, c.code): c for c in run_compare(run, baseline, unit=unit)} if baseline else {}

    def line(item) -> dict:
        value, province = item.value, item.province
        change = changes.get((value.kind, value.code))
        return {
            "kind": value.kind,
            "code": value.code,
            "measure": value.measure,
            "label": text_in(item.label, language) if item.label else value.code,
            "estimate": value.estimate,
            "ci_low": value.ci_low,
            "ci_high": value.ci_high,
            "n": value.n,
            "average": province.estimate if province else None,
            "gap": value.gap,
            "gap_se": value.gap_se,
            "flag": value.gap_flag,
            "flag_label": flag_label(value.gap_flag),
            "change": change.difference if change else None,
            "change_significant": change.significant if change else False,
        }

    criteria = [line(item) for item in report.nodes]
    items = [line(item) for item in report.items]
    perception = [line(item) for item in report.perception]
    from hailong.methodology.choices import Measure

    expectation_names = set(
        run.version.questions.filter(measure=Measure.EXPECTATION).values_list("name", flat=True)
    )
    expectations = [block for block in report.shares if block.question in expectation_names]
    for block in expectations:
        block.rows.sort(key=lambda pair: -(pair[0].estimate or 0))
    labels = labels_of(run)
    driver_rows = EstimateValue.objects.filter(
        Q(domain=DomainKind.UNIT, unit=unit) | Q(domain=DomainKind.OVERALL),
        run=run,
        kind=FigureKind.DRIVER,
    ).values("domain", "code", "estimate", "se", "n")
    whole_drivers = {d["code"]: d["estimate"] for d in driver_rows if d["domain"] == DomainKind.OVERALL}
    drivers = sorted(
        (
            {
                "code": d["code"],
                "label": f"{d['code']} {labels.get((FigureKind.NODE, d['code']), '')}".strip(),
                "estimate": d["estimate"],
                "campaign": whole_drivers.get(d["code"]),
                "n": d["n"],
            }
            for d in driver_rows
            if d["domain"] == DomainKind.UNIT and d["estimate"] is not None
        ),
        key=lambda d: -d["estimate"],
    )
    card = Scorecard(
        run=run,
        unit=unit,
        report=report,
        row=row,
        ranked_among=report.ranked_among,
        peers=peers,
        baseline=baseline,
        candidates=candidates,
        change=changes.get((FigureKind.OVERALL, "")),
        criteria=criteria,
        items=items,
        perception=perception,
        expectations=expectations,
        drivers=drivers,
    )
    card.charts = cached(
        f"reports:card:{run_key(run)}:{unit.pk}:{baseline.pk if baseline else 0}:{language}",
        lambda: scorecard_charts(card),
    )
    return card


def scorecard_charts(card: Scorecard) -> dict[str, dict]:
    top = [c for c in card.criteria if c["measure"] in ("element", "pillar")] or card.criteria
    overall = card.report.overall.province
    specs = {
        "criteria": charts.interval_bars(
            [
                {
                    "label": c["label"] if c["label"].startswith(c["code"]) else f"{c['code']} {c['label']}",
                    "code": c["code"],
                    "estimate": c["estimate"],
                    "ci_low": c["ci_low"],
                    "ci_high": c["ci_high"],
                    "flag": c["flag"],
                    "flag_label": c["flag_label"],
                    "average": c["average"],
                    "n": c["n"],
                }
                for c in top
            ],
            title=_("%(unit)s: criteria against the whole campaign") % {"unit": card.unit.name},
            average=overall.estimate if overall else None,
            average_label=_("Overall index of the whole campaign"),
            colour_by_flag=True,
        )
    }
    if card.drivers:
        specs["drivers"] = charts.drivers(
            [{"label": d["label"], "code": d["code"], "estimate": d["estimate"]} for d in card.drivers],
            title=_("What goes with overall satisfaction"),
        )
    for i, block in enumerate(card.expectations):
        specs[f"expectation{i}"] = charts.interval_bars(
            [
                {
                    "label": text_in(label, _lang()),
                    "choice": share.choice,
                    "estimate": share.estimate,
                    "ci_low": share.ci_low,
                    "ci_high": share.ci_high,
                    "n": share.n,
                }
                for share, label in block.rows
            ],
            title=text_in(block.label, _lang()) or block.question,
            axis_title=_("Share of respondents"),
        )
    return specs


def run_choice_shares(run: EstimationRun, unit: Unit | None = None) -> list[ChoiceShareValue]:
    qs = ChoiceShareValue.objects.filter(run=run)
    return list(
        qs.filter(domain=DomainKind.UNIT, unit=unit) if unit else qs.filter(domain=DomainKind.OVERALL)
    )
