"""Publication of frozen runs: the only door from the estimation results to the public.

Rules (``docs/portal.md``):

- only a ``done``, official run is published, by someone holding ``results.publish`` on the
  campaign's organising unit (``run_publish``); a campaign has at most one live publication, so
  publishing another run of it withdraws the earlier one (in the same transaction, audited);
- withdrawing needs a reason (``publication_withdraw``); a withdrawn publication stays on record,
  and its run is never published again (a new run on the same inputs has the same numbers);
- every figure with fewer valid respondents than the publication's ``min_respondents`` is
  suppressed (``suppressed``); a unit whose overall index is suppressed has no published figure
  at all and is left out of the published ranking (the ranks of the others are their ranks among
  the published units, ``opendata.published_ranks``).

The default minimum is ``settings.HAILONG_PUBLISH_MIN_RESPONDENTS`` (30): the standard error of a
proportion near 80 % on fewer than 30 respondents is over 7 points, an interval ±14 points wide —
too wide to put a unit in a ranking. The manager may raise or lower it for one publication.

Reads for the portal (``live_publication``, ``published_campaigns``, ``publication_for_code``,
``published_overview``, ``published_unit``) never look at a run that is not live-published.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.services import audit_record
from hailong.campaigns.models import Campaign
from hailong.indices.choices import DomainKind, FigureKind, RunStatus, ranking_group_label
from hailong.indices.models import ChoiceShareValue, EstimateValue, EstimationRun, Publication
from hailong.indices.opendata import published_ranks, suppressed_units

DEFAULT_MIN_RESPONDENTS = 30
MAX_MIN_RESPONDENTS = 10000


def default_min_respondents() -> int:
    return int(getattr(settings, "HAILONG_PUBLISH_MIN_RESPONDENTS", DEFAULT_MIN_RESPONDENTS))


def suppressed(value, min_respondents: int) -> bool:
    """Is this figure (an ``EstimateValue``, a ``ChoiceShareValue``, or a respondent count) too
    small to publish? No figure at all counts as suppressed."""
    if value is None:
        return True
    n = value if isinstance(value, int) else value.n
    return n < min_respondents


def may_publish(user, campaign: Campaign) -> bool:
    return permissions.has_perm(user, Perm.RESULTS_PUBLISH, campaign.organiser)


# ---------------------------------------------------------------------------------------------------
# Writes


@transaction.atomic
def run_publish(
    *,
    run: EstimationRun,
    actor,
    min_respondents: int | None = None,
    note: str = "",
    request=None,
) -> Publication:
    """Publish a done, official run of a campaign; withdraw the campaign's earlier live publication."""
    campaign = Campaign.objects.select_for_update().select_related("organiser").get(pk=run.campaign_id)
    if not may_publish(actor, campaign):
        raise PermissionDenied(Perm.RESULTS_PUBLISH)
    run = EstimationRun.objects.select_for_update().get(pk=run.pk)
    if run.status != RunStatus.DONE:
        raise ValidationError(_("Only a finished estimation run can be published."))
    if not run.official:
        raise ValidationError(_("A recomputation on other units is not official and cannot be published."))
    if Publication.objects.filter(run=run).exists():
        raise ValidationError(
            _("This run has already been published; a withdrawn run is not published again.")
        )
    minimum = default_min_respondents() if min_respondents is None else int(min_respondents)
    if not 1 <= minimum <= MAX_MIN_RESPONDENTS:
        raise ValidationError(
            _("The minimum number of respondents must be between 1 and %(max)d."),
            params={"max": MAX_MIN_RESPONDENTS},
        )
    now = timezone.now()
    earlier = (
        Publication.objects.select_for_update().filter(campaign=campaign, withdrawn_at__isnull=True).first()
    )
    if earlier is not None:
        _withdraw(
            earlier,
            actor=actor,
            reason=f"Thay bằng lượt ước lượng #{run.pk} / Replaced by estimation run #{run.pk}",
            when=now,
            request=request,
            replaced_by=run.pk,
        )
    publication = Publication.objects.create(
        run=run,
        campaign=campaign,
        min_respondents=minimum,
        note=note.strip(),
        published_by=actor,
        published_at=now,
    )
    audit_record(
        action=AuditAction.RESULTS_PUBLISHED,
        actor=actor,
        request=request,
        unit=campaign.organiser,
        target=publication,
        details={
            "campaign": campaign.code,
            "run": run.pk,
            "min_respondents": minimum,
            "inputs_fingerprint": run.inputs_fingerprint,
            "replaced": earlier.run_id if earlier is not None else None,
        },
    )
    return publication


def _withdraw(publication: Publication, *, actor, reason: str, when, request, replaced_by=None) -> None:
    publication.withdrawn_at = when
    publication.withdrawn_by = actor
    publication.withdrawn_reason = reason
    publication.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
    audit_record(
        action=AuditAction.PUBLICATION_WITHDRAWN,
        actor=actor,
        request=request,
        unit=publication.campaign.organiser,
        target=publication,
        details={
            "campaign": publication.campaign.code,
            "run": publication.run_id,
            "reason": reason,
            "replaced_by": replaced_by,
        },
    )


@transaction.atomic
def publication_withdraw(*, publication: Publication, actor, reason: str, request=None) -> Publication:
    """Take a publication off the portal and the open data, with the reason (kept and audited)."""
    publication = (
        Publication.objects.select_for_update().select_related("campaign__organiser").get(pk=publication.pk)
    )
    if not may_publish(actor, publication.campaign):
        raise PermissionDenied(Perm.RESULTS_PUBLISH)
    if publication.withdrawn_at is not None:
        raise ValidationError(_("This publication has already been withdrawn."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the results are withdrawn.")})
    _withdraw(publication, actor=actor, reason=reason, when=timezone.now(), request=request)
    return publication


# ---------------------------------------------------------------------------------------------------
# Reads (public: no user, only live publications)
#
# A published run is frozen, so these reads are cheap and their results may be cached by the portal
# per publication (``hailong.portal.views``): only the needed columns, through the indexes on
# ``EstimateValue`` (run, domain, kind) and (run, unit), a fixed number of queries per page.

RANKING_PAGE_SIZE = 50  # units per page of a ranking (``settings.HAILONG_PORTAL_RANKING_PAGE_SIZE``)
QUERY_MAX_LENGTH = 100


def ranking_page_size() -> int:
    return max(1, int(getattr(settings, "HAILONG_PORTAL_RANKING_PAGE_SIZE", RANKING_PAGE_SIZE)))


def _live() -> QuerySet[Publication]:
    return Publication.objects.filter(
        withdrawn_at__isnull=True, run__status=RunStatus.DONE, run__official=True
    ).select_related("run__version", "campaign__organiser")


def live_publication(campaign: Campaign) -> Publication | None:
    """The campaign's live publication, if any."""
    return _live().filter(campaign=campaign).first()


def published_campaigns() -> list[Publication]:
    """The live publications, latest year first (one per campaign)."""
    return list(_live().order_by("-campaign__year", "-published_at", "-id"))


def publication_for_code(campaign_code: str) -> Publication:
    """The live publication of the campaign with this code, else 404. One query: call it on every
    request, before any cache, so that a withdrawn publication is never shown."""
    publication = _live().filter(campaign__code=campaign_code).first()
    if publication is None:
        raise Http404
    return publication


def searchable(text: str) -> str:
    """``"Phường Ba Đình"`` → ``"phuong ba dinh"``: lower case, no diacritics, single spaces, so a
    search typed without Vietnamese accents (or with) finds the unit."""
    text = unicodedata.normalize("NFD", (text or "").casefold().replace("đ", "d"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


# Only the columns the pages show.
_FIGURE_FIELDS = ("kind", "code", "measure", "order", "estimate", "ci_low", "ci_high", "n", "rank_groups")
_UNIT_FIELDS = (*_FIGURE_FIELDS, "unit_type", "rank", "gap", "gap_flag")
_SHARE_FIELDS = ("question", "choice", "order", "estimate", "ci_low", "ci_high", "n")


@dataclass
class Figure:
    """A published figure: the frozen value, or ``None`` where it is suppressed."""

    value: EstimateValue | None
    code: str
    label: dict
    n: int
    average: EstimateValue | None = None

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class UnitRef:
    """A unit as the portal names it."""

    pk: int
    code: str
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class UnitFigure:
    """A unit's frozen overall index, as a ranking row shows it."""

    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    n: int
    rank_groups: list


@dataclass
class RankedUnit:
    value: UnitFigure
    unit: UnitRef
    rank: int | None


@dataclass
class GroupRanking:
    """One ranking group: ``rows`` is the page shown (``page`` of ``pages``, ``page_size`` a page),
    among the ``matched`` ranked units that match the search (``total`` without it); ``suppressed``
    are the group's units left out (matching the search, if any), by name."""

    group: str
    label: object
    figure: EstimateValue | None
    rows: list[RankedUnit]
    suppressed: list[UnitRef]
    total: int = 0
    matched: int = 0
    page: int = 1
    pages: int = 1
    page_size: int = RANKING_PAGE_SIZE

    @property
    def first_position(self) -> int:
        return (self.page - 1) * self.page_size + 1 if self.rows else 0

    @property
    def last_position(self) -> int:
        return (self.page - 1) * self.page_size + len(self.rows)

    @property
    def paged(self) -> bool:
        return self.pages > 1


@dataclass
class ShareGroup:
    question: str
    label: dict
    first_only: bool
    rows: list[tuple[ChoiceShareValue, dict]]
    n: int


@dataclass
class PublishedOverview:
    publication: Publication
    overall: EstimateValue | None
    nodes: list[Figure]
    rankings: list[GroupRanking]
    shares: list[ShareGroup]
    other_shares: list[ShareGroup] = field(default_factory=list)
    suppressed_units: list[UnitRef] = field(default_factory=list)
    query: str = ""


class PageOutOfRange(Http404):
    """A ranking page number past the last page."""


def _visible(value, minimum: int):
    return None if value is None or suppressed(value, minimum) else value


def _share_groups(shares: list[ChoiceShareValue], minimum: int, labels, choices, rankings):
    groups: dict[str, ShareGroup] = {}
    for share in shares:
        if suppressed(share, minimum) or share.estimate is None:
            continue
        group = groups.setdefault(
            share.question,
            ShareGroup(
                question=share.question,
                label=labels.get((FigureKind.ITEM, share.question), {}),
                first_only=share.question in rankings,
                rows=[],
                n=share.n,
            ),
        )
        group.rows.append((share, choices.get((share.question, share.choice), {"vi": share.choice})))
    for group in groups.values():
        # What respondents want first: the most chosen answers first.
        group.rows.sort(key=lambda pair: -(pair[0].estimate or 0))
    return list(groups.values())


def _version_texts(run: EstimationRun):
    """Labels of figures and answers, the ranking questions and the expectation questions."""
    from hailong.indices.selectors import choice_labels, version_labels

    rankings, expectations = set(), set()
    special = run.version.questions.filter(Q(kind="ranking") | Q(measure="expectation"))
    for name, kind, measure in special.values_list("name", "kind", "measure"):
        if kind == "ranking":
            rankings.add(name)
        if measure == "expectation":
            expectations.add(name)
    return version_labels(run.version), choice_labels(run.version), rankings, expectations


def published_overview(
    publication: Publication, *, query: str = "", pages: dict[str, int] | None = None
) -> PublishedOverview:
    """What the portal shows of a campaign: the overall index, the criteria, per ranking group its
    figure and one page of its ranking (suppressed units apart), the expectations.

    ``query`` keeps the ranked (and the suppressed) units whose name or code contains it, accents
    and case ignored; ``pages`` is the page wanted per group (default 1; past the last page:
    ``PageOutOfRange``, a 404). Ranks are always the published ranks of the whole group. A fixed
    number of queries, whatever the number of units; only the page's units are read in full."""
    run, minimum, size = publication.run, publication.min_respondents, ranking_page_size()
    pages = pages or {}
    needle = searchable(query[:QUERY_MAX_LENGTH])
    labels, choices, ranking_questions, wanted = _version_texts(run)
    whole = list(
        EstimateValue.objects.filter(
            run=run, domain=DomainKind.OVERALL, kind__in=[FigureKind.OVERALL, FigureKind.NODE]
        )
        .only(*_FIGURE_FIELDS)
        .order_by("kind", "order", "code")
    )
    overall = next((v for v in whole if v.kind == FigureKind.OVERALL), None)
    nodes = [
        Figure(value=_visible(v, minimum), code=v.code, label=labels.get((v.kind, v.code), {}), n=v.n)
        for v in whole
        if v.kind == FigureKind.NODE
    ]
    types = {
        v.unit_type: v
        for v in EstimateValue.objects.filter(
            run=run, domain=DomainKind.UNIT_TYPE, kind=FigureKind.OVERALL
        ).only("unit_type", "estimate", "ci_low", "ci_high", "n")
    }
    # Every unit's overall index, light: what ranking, suppression and the search need.
    units = list(
        EstimateValue.objects.filter(run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL).values_list(
            "unit_id", "unit_type", "rank", "n", "estimate", "unit__code", "unit__name"
        )
    )
    hidden = {pk for pk, _g, _r, n, estimate, _c, _m in units if n < minimum or estimate is None}
    ranks = published_ranks(((pk, group, rank) for pk, group, rank, *_rest in units), hidden)
    by_group: dict[str, GroupRanking] = {}
    ranked: dict[str, list[UnitRef]] = {}
    for pk, group, _rank, _n, _estimate, code, name in units:
        ranking = by_group.setdefault(
            group,
            GroupRanking(
                group=group,
                label=ranking_group_label(group),
                figure=_visible(types.get(group), minimum),
                rows=[],
                suppressed=[],
                page_size=size,
            ),
        )
        unit = UnitRef(pk=pk, code=code, name=name)
        matches = not needle or needle in searchable(name) or needle in code.casefold()
        if pk in hidden:
            if matches:
                ranking.suppressed.append(unit)
        else:
            ranking.total += 1
            if matches:
                ranked.setdefault(group, []).append(unit)
    shown: dict[int, tuple[GroupRanking, UnitRef]] = {}
    for group, ranking in by_group.items():
        ranking.suppressed.sort(key=lambda u: u.name)
        candidates = sorted(ranked.get(group, []), key=lambda u: (ranks[u.pk] or 10**9, u.name))
        ranking.matched = len(candidates)
        ranking.pages = max(1, math.ceil(len(candidates) / size))
        ranking.page = pages.get(group, 1)
        if not 1 <= ranking.page <= ranking.pages:
            raise PageOutOfRange
        for unit in candidates[(ranking.page - 1) * size : ranking.page * size]:
            shown[unit.pk] = (ranking, unit)
    # The page's units in full (a few dozen rows).
    figures = EstimateValue.objects.filter(
        run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL, unit_id__in=list(shown)
    ).values_list("unit_id", "estimate", "ci_low", "ci_high", "n", "rank_groups")
    rows: dict[int, UnitFigure] = {
        pk: UnitFigure(estimate, low, high, n, rank_groups or [])
        for pk, estimate, low, high, n, rank_groups in (figures if shown else [])
    }
    for pk, (ranking, unit) in shown.items():
        ranking.rows.append(RankedUnit(value=rows[pk], unit=unit, rank=ranks[pk]))
    shares = list(
        ChoiceShareValue.objects.filter(run=run, domain=DomainKind.OVERALL)
        .only(*_SHARE_FIELDS)
        .order_by("question", "order")
    )
    groups = _share_groups(shares, minimum, labels, choices, ranking_questions)
    return PublishedOverview(
        publication=publication,
        overall=_visible(overall, minimum),
        nodes=nodes,
        rankings=sorted(by_group.values(), key=lambda r: str(r.label)),
        shares=[g for g in groups if g.question in wanted],
        other_shares=[g for g in groups if g.question not in wanted],
        suppressed_units=sorted((u for r in by_group.values() for u in r.suppressed), key=lambda u: u.name),
        query=query[:QUERY_MAX_LENGTH],
    )


@dataclass
class PublishedUnit:
    publication: Publication
    unit: UnitRef
    suppressed: bool
    overall: Figure | None = None
    rank: int | None = None
    ranked_among: int = 0
    group_label: object = ""
    nodes: list[Figure] = field(default_factory=list)
    items: list[Figure] = field(default_factory=list)
    shares: list[ShareGroup] = field(default_factory=list)
    other_shares: list[ShareGroup] = field(default_factory=list)


def published_unit(publication: Publication, unit_code: str) -> PublishedUnit:
    """One unit of a live publication: its index, rank, criteria and questions against the
    campaign average (significant gaps flagged), and what its respondents want improved first.
    404 if the run has no such unit; a suppressed unit is returned with no figure.

    The rank among the published units is counted in the database (one aggregate over the group),
    not by reading the other units; the unit's own figures come through the (run, unit) index."""
    run, minimum = publication.run, publication.min_respondents
    mine = (
        EstimateValue.objects.filter(
            run=run, domain=DomainKind.UNIT, kind=FigureKind.OVERALL, unit__code=unit_code
        )
        .order_by("unit_id")
        .values_list("unit_id", "unit_type", "rank", "n", "estimate", "unit__code", "unit__name")
        .first()
    )
    if mine is None:
        raise Http404
    pk, group, frozen_rank, n, estimate, code, name = mine
    unit = UnitRef(pk=pk, code=code, name=name)
    report = PublishedUnit(publication=publication, unit=unit, suppressed=n < minimum or estimate is None)
    report.group_label = ranking_group_label(group)
    if report.suppressed:
        return report
    # Published rank = 1 + published units of the group with a smaller frozen rank (ties share).
    counts = EstimateValue.objects.filter(
        run=run,
        domain=DomainKind.UNIT,
        kind=FigureKind.OVERALL,
        unit_type=group,
        n__gte=minimum,
        estimate__isnull=False,
        rank__isnull=False,
    ).aggregate(among=Count("id"), better=Count("id", filter=Q(rank__lt=frozen_rank or 0)))
    report.rank = None if frozen_rank is None else 1 + counts["better"]
    report.ranked_among = counts["among"]
    labels, choices, ranking_questions, wanted = _version_texts(run)
    kinds = [FigureKind.OVERALL, FigureKind.NODE, FigureKind.ITEM]
    average = {
        (v.kind, v.code): v
        for v in EstimateValue.objects.filter(run=run, domain=DomainKind.OVERALL, kind__in=kinds).only(
            *_FIGURE_FIELDS
        )
    }
    values = (
        EstimateValue.objects.filter(run=run, unit_id=pk, domain=DomainKind.UNIT, kind__in=kinds)
        .only(*_UNIT_FIELDS)
        .order_by("kind", "order", "code")
    )
    for v in values:
        figure = Figure(
            value=_visible(v, minimum),
            code=v.code,
            label=labels.get((v.kind, v.code), {}),
            n=v.n,
            average=_visible(average.get((v.kind, v.code)), minimum),
        )
        if v.kind == FigureKind.OVERALL:
            report.overall = figure
        elif v.kind == FigureKind.NODE:
            report.nodes.append(figure)
        elif v.measure != "perception":
            report.items.append(figure)
    shares = list(
        ChoiceShareValue.objects.filter(run=run, domain=DomainKind.UNIT, unit_id=pk)
        .only(*_SHARE_FIELDS)
        .order_by("question", "order")
    )
    groups = _share_groups(shares, minimum, labels, choices, ranking_questions)
    report.shares = [g for g in groups if g.question in wanted]
    report.other_shares = [g for g in groups if g.question not in wanted]
    return report


def publication_suppressed_units(publication: Publication) -> set[int]:
    """Ids of the units of a publication that are suppressed whole (for exports)."""
    return suppressed_units(publication.run, publication.min_respondents)
