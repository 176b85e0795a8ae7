"""Background work: a task takes a campaign id and calls the service."""

from django_tasks import task


@task()
def quality_flags_task(campaign_id: int) -> int:
    """Recompute the quality flags of a (large) campaign; returns the number of flagged responses."""
    from hailong.campaigns.models import Campaign
    from hailong.quality.services import flags_compute

    campaign = Campaign.objects.get(pk=campaign_id)
    return flags_compute(campaign=campaign).flagged
