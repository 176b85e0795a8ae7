"""Personal data of frames is deleted when the campaign closes, and the frame and the log say so."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from hailong.audit.models import AuditEvent
from hailong.campaigns.models import CampaignStatus
from hailong.campaigns.services import campaign_transition
from hailong.campaigns.signals import campaign_status_changed
from hailong.sampling.models import Frame, FrameContact, FrameRecord, SampledPerson
from hailong.sampling.services import AUDIT_PURGED, frame_create, sample_draw, sample_plan
from tests.sampling.conftest import csv_bytes, frame_rows, import_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(make_user, unit):
    return make_user("survey_manager", unit("48"), username="quanly.mau")


def test_the_campaign_sends_its_status_changes(campaign, manager):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs["from_status"], kwargs["to_status"], kwargs["actor"], kwargs["campaign"].pk))

    campaign_status_changed.connect(receiver)
    try:
        campaign_transition(campaign=campaign, to=CampaignStatus.CLOSED, actor=manager)
    finally:
        campaign_status_changed.disconnect(receiver)
    assert seen == [("open", "closed", manager, campaign.pk)]


def test_closing_the_campaign_deletes_the_contacts_and_records_it(campaign, manager, client):
    frame = import_bytes(campaign, csv_bytes(frame_rows(50)), actor=manager)
    other = import_bytes(campaign, csv_bytes(frame_rows(20, start=100)), actor=manager)
    sample = sample_draw(
        sample=sample_plan(frame=frame, name="Mẫu", strata_by=["unit"], parameters={"margin": 0.2})
    )
    assert FrameContact.objects.filter(record__frame__campaign=campaign).count() == 70

    campaign_transition(campaign=campaign, to=CampaignStatus.CLOSED, actor=manager)

    assert FrameContact.objects.filter(record__frame__campaign=campaign).count() == 0
    assert FrameRecord.objects.filter(frame__campaign=campaign).count() == 70, (
        "the dossiers stay for the weights"
    )
    assert SampledPerson.objects.filter(sample=sample).exists()
    for f, contacts in ((frame, 50), (other, 20)):
        f.refresh_from_db()
        assert f.purged_at is not None and f.purged_by == manager
        event = AuditEvent.objects.get(action=AUDIT_PURGED, target_id=str(f.pk))
        assert event.actor == manager and event.details["contacts"] == contacts
        assert event.unit_path == campaign.organiser.path

    client.force_login(manager)
    client.cookies["hailong_language"] = "en"
    response = client.get(f"/sampling/frames/{frame.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Deleted on" in page and "quanly.mau" in page
    page = client.get(f"/sampling/samples/{sample.pk}/").content.decode()
    assert "contacts=1" not in page, "nothing left to show"

    # Archiving later purges nothing twice; reopening does not bring anything back.
    campaign_transition(campaign=campaign, to=CampaignStatus.ARCHIVED, actor=manager)
    assert AuditEvent.objects.filter(action=AUDIT_PURGED).count() == 2


def test_a_closed_campaign_takes_no_new_frame_or_sample(campaign, manager, english):
    frame = import_bytes(campaign, csv_bytes(frame_rows(10)))
    campaign_transition(campaign=campaign, to=CampaignStatus.CLOSED)
    frame.refresh_from_db()
    assert frame.purged_by is None and frame.purged_at is not None
    assert AuditEvent.objects.get(action=AUDIT_PURGED).actor_username == "(system)"
    with pytest.raises(ValidationError, match="closed"):
        frame_create(
            campaign=campaign, upload=SimpleUploadedFile("k.csv", csv_bytes(frame_rows(3))), enqueue=False
        )
    with pytest.raises(ValidationError, match="closed"):
        sample_plan(frame=frame, name="Mẫu", strata_by=[])
    assert Frame.objects.filter(campaign=campaign).count() == 1
