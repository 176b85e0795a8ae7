"""The demo fieldwork seed: a bit of everything, and nothing more the second time."""

from collections import Counter

import pytest

from hailong.accounts.models import User
from hailong.collection.models import Response
from hailong.fieldwork.demo import demo_fieldwork_seed
from hailong.fieldwork.models import InterviewerTeam, TeamMember
from hailong.sampling.choices import FieldChannel, PersonStatus
from hailong.sampling.models import SampledPerson, SampledPersonEvent
from tests.fieldwork.conftest import build_sample

pytestmark = pytest.mark.django_db


def test_demo_fieldwork_seed_is_varied_and_idempotent(registry):
    from hailong.campaigns.models import Campaign
    from hailong.demo.services import DEMO_CAMPAIGN_CODE, demo_seed

    demo_seed(responses=0)
    campaign = Campaign.objects.get(code=DEMO_CAMPAIGN_CODE)
    sample = build_sample(campaign, {"20242": (20, 9), "20209": (15, 6), "20263": (10, 3)}, reserve=3)

    # The demo seed already ran the fieldwork seed on its own sample: some volunteers may exist.
    volunteers = User.objects.filter(username__startswith="tnv.")
    before = volunteers.count()
    first = demo_fieldwork_seed(campaign=campaign, sample=sample)
    assert first["teams"] == 3 and before + first["volunteers_created"] == volunteers.count()
    for code in ("20242", "20209", "20263"):  # two volunteers for each team of this sample
        assert volunteers.filter(username__startswith=f"tnv.{code}.").count() == 2
    teams = InterviewerTeam.objects.filter(campaign=campaign)
    assert teams.count() == 3
    dieutra = User.objects.get(username="dieutra")
    assert TeamMember.objects.filter(user=dieutra, team__unit__code="20242").exists()
    people = SampledPerson.objects.filter(sample=sample)
    channels = Counter(people.exclude(channel=FieldChannel.UNASSIGNED).values_list("channel", flat=True))
    assert set(channels) == {FieldChannel.INTERVIEWER, FieldChannel.POST, FieldChannel.INVITATION}
    statuses = Counter(people.values_list("status", flat=True))
    assert statuses[PersonStatus.COMPLETED] >= 3 and statuses[PersonStatus.REPLACED] == 1
    assert statuses[PersonStatus.CONTACTED] == 1
    replaced = people.get(status=PersonStatus.REPLACED)
    assert replaced.replaced_by.interviewer == dieutra and replaced.replaced_by.stratum == replaced.stratum
    linked = people.filter(response__isnull=False)
    assert linked.count() == first["responses"] >= 3
    assert all(p.status == PersonStatus.COMPLETED for p in linked)
    assert {p.response.channel for p in linked} == {"interviewer", "invitation"}

    counts = (SampledPersonEvent.objects.count(), User.objects.count(), Response.objects.count())
    second = demo_fieldwork_seed(campaign=campaign, sample=sample)
    assert second["volunteers_created"] == 0 and second["responses"] == first["responses"]
    assert (SampledPersonEvent.objects.count(), User.objects.count(), Response.objects.count()) == counts
