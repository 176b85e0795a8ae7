from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign, CampaignUnit


def campaign_list_for(*, user, perm: str = Perm.SURVEYS_MANAGE) -> QuerySet[Campaign]:
    return permissions.scope(
        Campaign.objects.select_related("organiser", "version__questionnaire"),
        user,
        perm,
        path_field="organiser__path",
    )


def campaign_get_for(*, user, campaign_id: int, perm: str = Perm.SURVEYS_MANAGE) -> Campaign:
    return get_object_or_404(campaign_list_for(user=user, perm=perm), pk=campaign_id)


def campaign_progress(campaign: Campaign) -> list[CampaignUnit]:
    """Participating units with their response counts, for the fieldwork table."""
    from hailong.collection.models import Response, ResponseStatus

    counts = dict(
        Response.objects.filter(campaign=campaign)
        .exclude(status=ResponseStatus.REJECTED)
        .values_list("unit_id")
        .annotate(n=Count("id"))
    )
    rows = list(campaign.participants.select_related("unit").order_by("unit__type", "unit__name"))
    for row in rows:
        row.received = counts.get(row.unit_id, 0)
        row.share = (100 * row.received / row.target) if row.target else None
    return rows


def campaigns_open_for_unit(unit) -> QuerySet[Campaign]:
    return Campaign.objects.filter(Q(participants__unit=unit), status="open")
