"""The demo's quality part: a few suspicious responses, flagged, the rest approved; idempotent."""

from collections import Counter

import pytest

from hailong.collection.models import Response
from hailong.demo.services import DEMO_CAMPAIGN_CODE, demo_seed
from hailong.quality.demo import DEMO_INTERVIEWERS, demo_quality_seed
from hailong.quality.models import QualityFlag, ReviewDecision

pytestmark = pytest.mark.django_db


def test_demo_quality_seed_flags_the_planted_responses_and_is_idempotent(registry):
    demo_seed(responses=400)
    from hailong.campaigns.models import Campaign

    campaign = Campaign.objects.get(code=DEMO_CAMPAIGN_CODE)
    # demo_seed ran the quality seed once (after the fieldwork's few interviews); again, it approves
    # nothing new and keeps every flag.
    first = demo_quality_seed(campaign)
    assert first["responses"] == campaign.responses.count() >= 400 and first["flagged"] > 0
    assert ReviewDecision.objects.filter(decision="approve").exists()
    kinds = Counter(QualityFlag.objects.filter(campaign=campaign).values_list("kind", flat=True))
    assert set(kinds) >= {
        "speeder",
        "straight_lining",
        "duplicate_phone",
        "out_of_period",
        "impossible_profile",
        "interviewer",
    }
    assert kinds["duplicate_phone"] == 2 and kinds["out_of_period"] == 1
    # Only the interviewer whose answers are all "5" is flagged, on every one of its responses.
    cheat = DEMO_INTERVIEWERS[-1][0]
    flagged_interviewers = set(
        QualityFlag.objects.filter(kind="interviewer").values_list(
            "response__interviewer__username", flat=True
        )
    )
    assert flagged_interviewers == {cheat}
    assert (
        kinds["interviewer"]
        == Response.objects.filter(campaign=campaign, interviewer__username=cheat).count()
        >= 10
    )
    # Flagged responses wait for review; every unflagged one is approved.
    flagged = set(QualityFlag.objects.filter(campaign=campaign).values_list("response_id", flat=True))
    statuses = dict(Response.objects.filter(campaign=campaign).values_list("pk", "status"))
    assert {statuses[pk] for pk in flagged} == {"submitted"}
    assert {status for pk, status in statuses.items() if pk not in flagged} == {"approved"}

    decisions = ReviewDecision.objects.count()
    again = demo_quality_seed(campaign)
    assert again["flagged"] == first["flagged"] and again["approved"] == 0
    assert ReviewDecision.objects.count() == decisions
    assert dict(Response.objects.filter(campaign=campaign).values_list("pk", "status")) == statuses
