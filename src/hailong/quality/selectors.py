"""Reads of the quality app, each through the one permission check.

Who sees what: the queue and a response's page need ``responses.view`` or ``responses.review`` on
the response's unit (a province's managers and analysts see the whole province, a supervisor of a
commune that commune); deciding needs ``responses.review`` on it. A campaign is reachable when the
user may see responses of its organising unit or of one of its participating units; anything else
answers 404. Personal data (the respondent's contact) needs ``personal_data.view`` as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign, CampaignUnit
from hailong.collection.models import Response, ResponseStatus
from hailong.quality.choices import ComputeState
from hailong.quality.models import QualityFlag, QualitySettings, ReviewDecision

READ_PERMS = (Perm.RESPONSES_VIEW, Perm.RESPONSES_REVIEW)
FLAGGED = "flagged"
UNFLAGGED = "unflagged"


def _scoped(queryset: QuerySet, user, path_field: str) -> QuerySet:
    """Rows readable with either reading permission (one query, two scoped filters OR-ed)."""
    first, *others = (permissions.scope(queryset, user, perm, path_field=path_field) for perm in READ_PERMS)
    for other in others:
        first = first | other
    return first


def review_campaigns_for(*, user) -> QuerySet[Campaign]:
    by_organiser = _scoped(Campaign.objects.all(), user, "organiser__path").values("pk")
    by_unit = _scoped(CampaignUnit.objects.all(), user, "unit__path").values("campaign_id")
    return (
        Campaign.objects.filter(Q(pk__in=by_organiser) | Q(pk__in=by_unit))
        .select_related("organiser", "version__questionnaire")
        .order_by("-year", "code")
    )


def review_campaign_get_for(*, user, campaign_id: int) -> Campaign:
    return get_object_or_404(review_campaigns_for(user=user), pk=campaign_id)


def responses_for(*, user, campaign: Campaign) -> QuerySet[Response]:
    return _scoped(Response.objects.filter(campaign=campaign), user, "unit__path")


def may_review_somewhere(user, campaign: Campaign) -> bool:
    """Whether to show the decision controls at all (each decision is checked on its own unit)."""
    if permissions.has_perm(user, Perm.RESPONSES_REVIEW, campaign.organiser):
        return True
    return permissions.scope(
        campaign.participants.all(), user, Perm.RESPONSES_REVIEW, path_field="unit__path"
    ).exists()


@dataclass(frozen=True)
class QueueFilters:
    unit: int | None = None
    channel: str = ""
    kind: str = ""  # "", "flagged", "unflagged" or a FlagKind
    status: str = ""
    interviewer: int | None = None


def review_queue(*, user, campaign: Campaign, filters: QueueFilters) -> QuerySet[Response]:
    """The responses a user may see, filtered; flagged first (most severe, most flags), then newest."""
    queryset = responses_for(user=user, campaign=campaign)
    if filters.unit:
        queryset = queryset.filter(unit_id=filters.unit)
    if filters.channel:
        queryset = queryset.filter(channel=filters.channel)
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.interviewer:
        queryset = queryset.filter(interviewer_id=filters.interviewer)
    flags = QualityFlag.objects.filter(response=OuterRef("pk"))
    if filters.kind == FLAGGED:
        queryset = queryset.filter(Exists(flags))
    elif filters.kind == UNFLAGGED:
        queryset = queryset.exclude(Exists(flags))
    elif filters.kind:
        queryset = queryset.filter(Exists(flags.filter(kind=filters.kind)))
    return queryset


def queue_page_rows(queryset: QuerySet[Response]) -> QuerySet[Response]:
    """The queue in display order, with what each row shows (flags prefetched: no N+1)."""
    return (
        queryset.annotate(n_flags=Count("quality_flags"), top_severity=Max("quality_flags__severity"))
        .select_related("unit", "interviewer")
        .prefetch_related("quality_flags")
        .order_by(F("top_severity").desc(nulls_last=True), "-n_flags", "-received_at", "-id")
    )


def queue_summary(*, user, campaign: Campaign) -> dict[str, int]:
    """Counts for the head of the queue, over the responses the user may see."""
    visible = responses_for(user=user, campaign=campaign)
    flagged = Exists(QualityFlag.objects.filter(response=OuterRef("pk")))
    counts = visible.aggregate(
        total=Count("pk"),
        flagged=Count("pk", filter=Q(flagged)),
        waiting=Count("pk", filter=Q(status=ResponseStatus.SUBMITTED)),
        flagged_waiting=Count("pk", filter=Q(flagged) & Q(status=ResponseStatus.SUBMITTED)),
        on_hold=Count("pk", filter=Q(status=ResponseStatus.ON_HOLD)),
        rejected=Count("pk", filter=Q(status=ResponseStatus.REJECTED)),
        approved=Count("pk", filter=Q(status=ResponseStatus.APPROVED)),
    )
    return {key: value or 0 for key, value in counts.items()}


def flag_counts(*, user, campaign: Campaign) -> dict[str, int]:
    """Flags per kind over the responses the user may see."""
    visible = responses_for(user=user, campaign=campaign).values("pk")
    return dict(
        QualityFlag.objects.filter(campaign=campaign, response_id__in=visible)
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )


def unflagged_waiting(*, campaign: Campaign) -> QuerySet[Response]:
    """Responses waiting for review that the last computation of the flags saw and did not flag."""
    current = QualitySettings.objects.filter(campaign=campaign).first()
    if (
        current is None
        or current.compute_state != ComputeState.DONE
        or current.computed_max_response_id is None
    ):
        return Response.objects.none()
    return Response.objects.filter(
        campaign=campaign, status=ResponseStatus.SUBMITTED, pk__lte=current.computed_max_response_id
    ).exclude(Exists(QualityFlag.objects.filter(response=OuterRef("pk"))))


def response_get_for(*, user, campaign: Campaign, response_id: int) -> Response:
    return get_object_or_404(
        responses_for(user=user, campaign=campaign).select_related(
            "unit", "service_point", "interviewer", "entered_by", "version"
        ),
        pk=response_id,
    )


def response_history(response: Response) -> QuerySet[ReviewDecision]:
    return response.review_decisions.select_related("decided_by").order_by("decided_at", "id")


def queue_interviewers(campaign: Campaign):
    from hailong.accounts.models import User

    ids = Response.objects.filter(campaign=campaign, interviewer__isnull=False).values("interviewer_id")
    return User.objects.filter(pk__in=ids).order_by("full_name", "username")
