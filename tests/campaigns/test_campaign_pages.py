import re
from datetime import date

import pytest

from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent
from hailong.campaigns.models import Campaign, CampaignStatus
from hailong.collection.models import Assignment, Invitation, PublicLink
from tests.small_form import VALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager(client, make_user, unit):
    user = make_user(Role.SURVEY_MANAGER, unit("48"), username="quanly")
    client.force_login(user)
    return user


def test_create_a_campaign_add_units_and_open_it(client, manager, small_version):
    response = client.post(
        "/campaigns/new/",
        {
            "code": "sipas-2026",
            "name_vi": "Khảo sát 2026",
            "name_en": "Survey 2026",
            "year": 2026,
            "version": small_version.pk,
            "organiser": "48",
            "starts_on": "01/09/2026",
            "ends_on": "15/12/2026",
            "default_target": 50,
        },
    )
    campaign = Campaign.objects.get(code="sipas-2026")
    assert response["Location"] == f"/campaigns/{campaign.pk}/"
    assert (campaign.starts_on, campaign.status) == (date(2026, 9, 1), CampaignStatus.DRAFT)
    # Opening with no unit is refused with a reason.
    client.post(f"/campaigns/{campaign.pk}/status/", {"to": "open"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    client.post(f"/campaigns/{campaign.pk}/units/", {"units": "20242 90\n20209\n00004 10"})
    assert campaign.participants.count() == 0, "a unit outside the area (Hà Nội) refuses the whole list"
    client.post(f"/campaigns/{campaign.pk}/units/", {"units": "20242 90\n20209"})
    assert dict(campaign.participants.values_list("unit__code", "target")) == {"20242": 90, "20209": 50}
    client.post(f"/campaigns/{campaign.pk}/status/", {"to": "open"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    assert PublicLink.objects.filter(campaign=campaign, service_point__isnull=True).count() == 2
    page = client.get(f"/campaigns/{campaign.pk}/").content.decode()
    assert "Phường Hải Châu" in page and "/s/" in page
    assert campaign.status_changes.filter(to_status="open", changed_by=manager).exists()


def test_status_changes_follow_the_life_cycle(client, manager, open_campaign):
    client.post(f"/campaigns/{open_campaign.pk}/status/", {"to": "archived"})
    open_campaign.refresh_from_db()
    assert open_campaign.status == CampaignStatus.OPEN, "an open campaign must close before it is archived"
    client.post(f"/campaigns/{open_campaign.pk}/status/", {"to": "closed"})
    client.post(f"/campaigns/{open_campaign.pk}/status/", {"to": "archived"})
    open_campaign.refresh_from_db()
    assert open_campaign.status == CampaignStatus.ARCHIVED
    assert [c.to_status for c in open_campaign.status_changes.all()][-2:] == ["closed", "archived"]


def test_qr_code_and_poster(client, manager, open_campaign):
    link = open_campaign.links.get(unit__code="20242", service_point__isnull=True)
    svg = client.get(f"/campaigns/{open_campaign.pk}/links/{link.pk}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg")
    poster = client.get(f"/campaigns/{open_campaign.pk}/links/{link.pk}/poster/").content.decode()
    assert "@page { size: A4" in poster
    assert f"/s/{link.token}/" in poster and "<svg" in poster
    assert "Phường Hải Châu" in poster


def test_invitations_are_personal_and_their_export_is_audited(client, manager, open_campaign, unit):
    ward = unit("20242")
    client.post(
        f"/campaigns/{open_campaign.pk}/invitations/",
        {"unit": ward.pk, "people": "Nguyễn Văn An; an@example.vn; 0905000001\nTrần Thị Bình;;0905000002"},
    )
    invitations = Invitation.objects.filter(campaign=open_campaign)
    assert invitations.count() == 2
    assert invitations.get(contact__name="Nguyễn Văn An").contact.phone == "0905000001"
    export = client.get(f"/campaigns/{open_campaign.pk}/invitations.csv")
    body = export.content.decode("utf-8-sig")
    assert "Nguyễn Văn An" in body and "/i/" in body
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_EXPORTED)
    assert event.actor == manager and event.details["rows"] == 2


def test_invitation_export_needs_the_personal_data_permission(client, make_user, unit, open_campaign):
    analyst = make_user(Role.ANALYST, unit("48"))
    client.force_login(analyst)
    assert client.get(f"/campaigns/{open_campaign.pk}/invitations.csv").status_code in (403, 404)


def test_assign_an_interviewer(client, manager, open_campaign, make_user, unit):
    interviewer = make_user(Role.INTERVIEWER, unit("20242"), username="dieutra")
    client.post(
        f"/campaigns/{open_campaign.pk}/assignments/",
        {"interviewer": "dieutra", "unit": unit("20242").pk, "target": 30},
    )
    assert Assignment.objects.get(campaign=open_campaign, interviewer=interviewer).target == 30
    # Someone who may not collect for that unit is refused.
    make_user(Role.VIEWER, unit("20242"), username="xem")
    client.post(
        f"/campaigns/{open_campaign.pk}/assignments/",
        {"interviewer": "xem", "unit": unit("20242").pk, "target": 5},
    )
    assert not Assignment.objects.filter(interviewer__username="xem").exists()


def test_campaigns_of_another_province_are_not_found(client, manager, small_version, unit):
    from hailong.campaigns.services import campaign_create

    hanoi = campaign_create(
        code="ha-noi",
        name={"vi": "Hà Nội"},
        year=2026,
        version=small_version,
        organiser=unit("01"),
        starts_on=date(2026, 1, 1),
        ends_on=date(2026, 12, 31),
    )
    assert client.get(f"/campaigns/{hanoi.pk}/").status_code == 404
    assert "Hà Nội" not in client.get("/campaigns/").content.decode()


def test_progress_counts_responses_against_targets(client, manager, open_campaign, unit):
    from hailong.collection.models import Channel
    from hailong.collection.services import response_submit

    for number in range(3):
        response_submit(
            campaign=open_campaign,
            unit=unit("20242"),
            channel=Channel.WEB,
            instance_id=f"p{number}",
            answers=VALID,
        )
    page = client.get(f"/campaigns/{open_campaign.pk}/").content.decode()
    row = re.search(r"Phường Hải Châu.*?</tr>", page, re.S).group(0)
    assert ">20<" in row and ">3<" in row and "15,0%" in row
