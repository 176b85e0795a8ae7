"""The demo's frame and sample: realistic, drawn with reserves, made once however often the seed runs."""

import pytest

from hailong.sampling.demo import DEMO_FRAME_NAME, DEMO_RESERVE, DEMO_SAMPLE_NAME, demo_sampling_seed
from hailong.sampling.models import Frame, FrameContact, Sample, SampledPerson


@pytest.mark.django_db(transaction=True)
def test_the_demo_campaign_gets_a_frame_and_a_drawn_sample_once(small_world):
    from hailong.campaigns.models import Campaign

    campaign = Campaign.objects.get(code=small_world.DEMO_CAMPAIGN_CODE)
    sample = demo_sampling_seed(campaign)
    frame = Frame.objects.get(campaign=campaign, name=DEMO_FRAME_NAME)
    assert frame.status == "ready" and frame.rows_imported == 3000 and not frame.errors_preview
    units = set(campaign.participants.values_list("unit_id", flat=True))
    assert set(frame.records.values_list("unit_id", flat=True)) <= units
    assert FrameContact.objects.filter(record__frame=frame).count() == 3000
    assert sample.name == DEMO_SAMPLE_NAME and sample.status == "drawn" and sample.seed == 2026
    drawn = SampledPerson.objects.filter(sample=sample, is_reserve=False)
    assert drawn.count() == 400
    assert all(row["size"] >= 5 for row in sample.allocation)
    reserves = SampledPerson.objects.filter(sample=sample, is_reserve=True)
    assert reserves.count() == DEMO_RESERVE * len(sample.allocation)
    people = list(drawn.order_by("record_id").values_list("record_id", flat=True))

    again = demo_sampling_seed(campaign)
    assert again.pk == sample.pk
    assert (
        Frame.objects.filter(campaign=campaign).count() == 1
        and Sample.objects.filter(campaign=campaign).count() == 1
    )
    assert (
        list(
            SampledPerson.objects.filter(sample=sample, is_reserve=False)
            .order_by("record_id")
            .values_list("record_id", flat=True)
        )
        == people
    )
