from collections import Counter

import pytest

from hailong.collection.models import RejectedSubmission, Response
from hailong.demo.services import DEMO_CAMPAIGN_CODE, DEMO_EARLIER_CODE, demo_seed
from hailong.indices.models import EstimationRun

pytestmark = pytest.mark.django_db


def test_demo_campaign_has_realistic_responses_and_seeding_twice_adds_nothing(registry):
    first = demo_seed(responses=250)
    responses = Response.objects.filter(campaign__code=DEMO_CAMPAIGN_CODE)
    assert first["responses"] == responses.count()
    # 250 synthetic answers, plus the few interviews of the demo fieldwork (sampled people).
    assert responses.filter(sampled_person__isnull=True).count() == 250
    assert RejectedSubmission.objects.count() == 0, "every synthetic answer passes the real validation"
    channels = Counter(responses.values_list("channel", flat=True))
    assert set(channels) >= {"web", "qr", "interviewer", "paper"}  # (+ the fieldwork's invitations)
    per_unit = Counter(responses.values_list("unit__code", flat=True))
    assert len(per_unit) == 25 and min(per_unit.values()) >= 2
    # Units differ in quality, so rankings mean something: overall top-2 shares spread out.
    shares = {}
    for code in per_unit:
        overall = [r.answers["hai_long_chung"] for r in responses.filter(unit__code=code)]
        shares[code] = sum(v in ("4", "5") for v in overall) / len(overall)
    assert max(shares.values()) - min(shares.values()) > 0.3
    # Some respondents gave feedback, so the feedback element has answers; fewer than half did.
    with_feedback = sum(1 for r in responses if "e5_chung" in r.answers)
    assert 0 < with_feedback < 125
    # Most responses are reviewed and approved, and the estimation pages have finished runs: the
    # 2026 survey, and the 2024 survey of the old city both as published and on today's units.
    # (The quality seed approved every unflagged response; the flagged ones wait for review.)
    from hailong.quality.models import QualityFlag

    flagged = set(
        QualityFlag.objects.filter(campaign__code=DEMO_CAMPAIGN_CODE).values_list("response_id", flat=True)
    )
    assert 0 < len(flagged) < responses.count() * 0.2
    assert set(responses.exclude(pk__in=flagged).values_list("status", flat=True)) == {"approved"}
    runs = EstimationRun.objects.filter(status="done")
    assert runs.filter(campaign__code=DEMO_CAMPAIGN_CODE, official=True).count() == 1
    earlier = runs.filter(campaign__code=DEMO_EARLIER_CODE)
    assert set(earlier.values_list("official", flat=True)) == {True, False}
    assert demo_seed(responses=250)["responses"] == first["responses"]
    assert EstimationRun.objects.count() == 3, "seeding again adds no run"
