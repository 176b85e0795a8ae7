"""The demo's publication: the demo campaign's latest official run, published by the survey manager."""

from hailong.campaigns.models import Campaign
from hailong.indices.models import Publication

# The demo has about 25 respondents per unit; the demo manager lowers the minimum so the portal
# shows rankings, while a few small units still show what suppression looks like.
DEMO_MIN_RESPONDENTS = 20
DEMO_NOTE = {
    "vi": "Dữ liệu minh họa (tổng hợp ngẫu nhiên), không phải kết quả khảo sát thật.",
    "en": "Demonstration data (synthetic), not real survey results.",
}


def demo_publication_seed(*, campaign: Campaign) -> Publication | None:
    """Publish the latest done official run of ``campaign`` unless it is published already
    (idempotent); nothing if there is no such run."""
    from hailong.accounts.models import User
    from hailong.indices.choices import RunStatus
    from hailong.indices.publication import run_publish

    run = (
        campaign.estimation_runs.filter(status=RunStatus.DONE, official=True)
        .order_by("-finished_at", "-id")
        .first()
    )
    if run is None:
        return None
    existing = Publication.objects.filter(run=run).first()
    if existing is not None:
        return existing
    if Publication.objects.filter(campaign=campaign, withdrawn_at__isnull=True).exists():
        return None  # another run is published on purpose; the demo does not override it
    manager = User.objects.get(username="quanly")
    return run_publish(
        run=run,
        actor=manager,
        min_respondents=DEMO_MIN_RESPONDENTS,
        note=f"{DEMO_NOTE['vi']} / {DEMO_NOTE['en']}",
    )
