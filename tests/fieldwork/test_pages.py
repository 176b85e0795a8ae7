"""The fieldwork pages: who sees what (404 outside one's area), the manager's routing and
replacement, the interviewer's people and interview."""

import pytest

from hailong.accounts.roles import Role
from hailong.audit.models import AuditAction, AuditEvent
from hailong.collection.models import Assignment, Channel, Response
from hailong.fieldwork.services import people_assign, sampled_person_set_status
from hailong.sampling.choices import FieldChannel, PersonStatus
from hailong.sampling.models import SampledPerson
from tests.fieldwork.conftest import people_of
from tests.small_form import VALID

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client, open_campaign, sample):
    person = people_of(sample)[0]
    for url in (
        "/fieldwork/",
        "/fieldwork/people/",
        f"/fieldwork/{open_campaign.pk}/",
        f"/fieldwork/{open_campaign.pk}/people/{person.pk}/",
        f"/fieldwork/{open_campaign.pk}/letters.pdf",
        f"/fieldwork/people/{person.pk}/interview/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_managers_outside_the_campaign_area_get_404(client, open_campaign, sample, make_user, unit):
    person = people_of(sample)[0]
    for user in (make_user(Role.SURVEY_MANAGER, unit("01")), make_user(Role.ANALYST, unit("48"))):
        client.force_login(user)
        for url in (
            f"/fieldwork/{open_campaign.pk}/",
            f"/fieldwork/{open_campaign.pk}/people/",
            f"/fieldwork/{open_campaign.pk}/people/{person.pk}/",
            f"/fieldwork/{open_campaign.pk}/teams/",
        ):
            assert client.get(url).status_code == 404, (user, url)
        response = client.post(
            f"/fieldwork/{open_campaign.pk}/people/{person.pk}/status/", {"status": "refused"}
        )
        assert response.status_code == 404
    person.refresh_from_db()
    assert person.status == PersonStatus.PENDING


def test_dashboard_shows_progress_rates_and_the_daily_chart(client, open_campaign, sample, manager):
    for person in people_of(sample, "20242")[:2]:
        sampled_person_set_status(person=person, status=PersonStatus.COMPLETED, actor=manager)
    client.force_login(manager)
    page = client.get(f"/fieldwork/{open_campaign.pk}/").content.decode()
    assert "Phường Hải Châu" in page and "RR1" in page
    assert "<svg" in page and 'role="img"' in page and 'class="bar"' in page
    assert "Số phỏng vấn hoàn thành mỗi ngày" in page
    assert "10,0%" in page, "2 completed of a target of 20, written the Vietnamese way"
    # The chart's table alternative lists today with its 2 interviews.
    assert '<th scope="row">' in page


def test_manager_assigns_everybody_pending_in_a_unit(client, open_campaign, sample, manager, interviewer):
    client.force_login(manager)
    ward = people_of(sample, "20242")[0].unit
    url = f"/fieldwork/{open_campaign.pk}/people/?unit={ward.pk}&status=pending"
    listing = client.get(url).content.decode()
    assert listing.count('name="person"') == 4, "unused reserves are not in the field"
    response = client.post(
        url, {"channel": "interviewer", "interviewer": interviewer.username, "scope": "all"}
    )
    assert response.status_code == 302
    assert SampledPerson.objects.filter(sample=sample, interviewer=interviewer).count() == 4
    assert Assignment.objects.filter(interviewer=interviewer, unit=ward, campaign=open_campaign).exists()
    # Ticked people only, to the post.
    other = people_of(sample, "20209")
    client.post(
        f"/fieldwork/{open_campaign.pk}/people/",
        {"channel": "post", "scope": "selected", "person": [other[0].pk]},
    )
    assert [p.channel for p in SampledPerson.objects.filter(pk__in=[p.pk for p in other]).order_by("pk")] == [
        FieldChannel.POST,
        FieldChannel.UNASSIGNED,
        FieldChannel.UNASSIGNED,
    ]


def test_person_page_shows_the_contact_audited_and_replaces(client, open_campaign, sample, manager):
    person = people_of(sample, "20242")[0]
    client.force_login(manager)
    page = client.get(f"/fieldwork/{open_campaign.pk}/people/{person.pk}/").content.decode()
    assert person.record.contact.name in page and person.record.contact.phone in page
    assert AuditEvent.objects.filter(
        action=AuditAction.PERSONAL_DATA_VIEWED, actor=manager, target_id=str(person.pk)
    ).exists()
    client.post(
        f"/fieldwork/{open_campaign.pk}/people/{person.pk}/status/", {"status": "refused", "note": "bận"}
    )
    person.refresh_from_db()
    assert person.status == PersonStatus.REFUSED
    response = client.post(f"/fieldwork/{open_campaign.pk}/people/{person.pk}/replace/")
    reserve = SampledPerson.objects.get(replaces=person)
    assert response["Location"] == f"/fieldwork/{open_campaign.pk}/people/{reserve.pk}/"
    assert reserve.reserve_rank == 1
    history = client.get(f"/fieldwork/{open_campaign.pk}/people/{person.pk}/").content.decode()
    assert "bận" in history and "Đã thay thế" in history


def test_interviewers_see_only_their_own_people(
    client, open_campaign, sample, manager, interviewer, make_user, unit
):
    colleague = make_user(Role.INTERVIEWER, unit("20242"), username="dtv.khac")
    mine, theirs = people_of(sample, "20242")[:2], people_of(sample, "20242")[2:]
    people_assign(
        campaign=open_campaign,
        people=mine,
        channel=FieldChannel.INTERVIEWER,
        interviewer=interviewer,
        actor=manager,
    )
    people_assign(
        campaign=open_campaign,
        people=theirs,
        channel=FieldChannel.INTERVIEWER,
        interviewer=colleague,
        actor=manager,
    )
    client.force_login(interviewer)
    page = client.get("/fieldwork/people/").content.decode()
    assert "Người cần phỏng vấn" in page
    for person in mine:
        assert person.record.contact.name in page and person.record.contact.phone in page
    for person in theirs:
        assert person.record.contact.name not in page and person.record.contact.phone not in page
    viewed = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_VIEWED, actor=interviewer)
    assert sorted(viewed.details["people"]) == sorted(p.pk for p in mine)
    stranger = theirs[0]
    assert client.get(f"/fieldwork/people/{stranger.pk}/interview/").status_code == 404
    assert client.post(f"/fieldwork/people/{stranger.pk}/outcome/", {"status": "refused"}).status_code == 404
    assert client.get(f"/fieldwork/{open_campaign.pk}/").status_code == 404, "no manager pages"
    assert client.get(f"/fieldwork/{open_campaign.pk}/people/{stranger.pk}/").status_code == 404
    assert SampledPerson.objects.get(pk=stranger.pk).status == PersonStatus.PENDING


def test_interviewer_records_an_outcome_and_interviews(client, open_campaign, sample, manager, interviewer):
    first, second = people_of(sample, "20242")[:2]
    people_assign(
        campaign=open_campaign,
        people=[first, second],
        channel=FieldChannel.INTERVIEWER,
        interviewer=interviewer,
        actor=manager,
    )
    client.force_login(interviewer)
    response = client.post(
        f"/fieldwork/people/{second.pk}/outcome/", {"status": "unreachable", "note": "máy bận"}
    )
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == PersonStatus.UNREACHABLE
    assert second.events.last().note == "máy bận" and second.events.last().changed_by == interviewer

    form = client.get(f"/fieldwork/people/{first.pk}/interview/")
    assert form.status_code == 200 and first.record.contact.name in form.content.decode()
    instance_id = form.context["instance_id"]
    done = client.post(
        f"/fieldwork/people/{first.pk}/interview/", {**VALID, "instance_id": instance_id, "action": "submit"}
    )
    assert done.status_code == 302 and done["Location"].startswith(f"/fieldwork/people/{first.pk}/done/")
    stored = Response.objects.get(instance_id=instance_id)
    first.refresh_from_db()
    assert (stored.channel, stored.interviewer, stored.unit) == (Channel.INTERVIEWER, interviewer, first.unit)
    assert first.status == PersonStatus.COMPLETED and first.response == stored
    assert stored.meta["sampled_person"] == first.pk
    # A retried post (same instance) stores nothing twice and changes nothing.
    client.post(
        f"/fieldwork/people/{first.pk}/interview/", {**VALID, "instance_id": instance_id, "action": "submit"}
    )
    assert Response.objects.filter(instance_id=instance_id).count() == 1
    # The Collect page still counts the interview against the assignment.
    collect = client.get("/collect/").content.decode()
    assert (
        "1 / 2" in collect
        or "1 trên 2" in collect
        or "1 của 2" in collect
        or "Người cần phỏng vấn" in collect
    )


def test_navigation_and_campaign_link(client, open_campaign, sample, manager, interviewer):
    client.force_login(interviewer)
    home = client.get("/").content.decode()
    assert 'href="/fieldwork/"' in home and "Điều tra thực địa" in home
    assert "Người cần phỏng vấn" in client.get("/fieldwork/").content.decode()
    client.force_login(manager)
    detail = client.get(f"/campaigns/{open_campaign.pk}/").content.decode()
    assert f'href="/fieldwork/{open_campaign.pk}/"' in detail
    assert f"/fieldwork/{open_campaign.pk}/" in client.get("/fieldwork/").content.decode()
