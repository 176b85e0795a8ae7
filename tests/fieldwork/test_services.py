"""Routing people to channels, their status history, replacements and the invitation sync."""

import pytest
from django.core.exceptions import ValidationError

from hailong.accounts.roles import Role
from hailong.collection.models import Assignment, Channel, Invitation, Response
from hailong.collection.services import response_submit
from hailong.fieldwork.services import (
    fieldwork_sync,
    people_assign,
    sampled_person_record_response,
    sampled_person_replace,
    sampled_person_set_status,
)
from hailong.sampling.choices import FieldChannel, PersonStatus
from hailong.sampling.models import SampledPerson, SampledPersonEvent
from tests.fieldwork.conftest import people_of
from tests.small_form import VALID

pytestmark = pytest.mark.django_db


def test_assigning_to_an_interviewer_creates_the_collection_assignment(
    open_campaign, sample, manager, interviewer
):
    people = people_of(sample, "20242")
    result = people_assign(
        campaign=open_campaign,
        people=people,
        channel=FieldChannel.INTERVIEWER,
        interviewer=interviewer,
        actor=manager,
    )
    assert (result.assigned, result.skipped) == (4, 0)
    assignment = Assignment.objects.get(campaign=open_campaign, interviewer=interviewer, unit__code="20242")
    assert assignment.target == 4
    for person in SampledPerson.objects.filter(pk__in=[p.pk for p in people]):
        assert (person.channel, person.interviewer) == (FieldChannel.INTERVIEWER, interviewer)
        assert person.invitation_id is None
        event = person.events.get()
        assert event.changed_by == manager and "dtv.haichau" in event.note
    # Assigning the same people again changes nothing and writes no new event.
    again = people_assign(
        campaign=open_campaign,
        people=people,
        channel=FieldChannel.INTERVIEWER,
        interviewer=interviewer,
        actor=manager,
    )
    assert (again.assigned, again.unchanged) == (0, 4)
    assert SampledPersonEvent.objects.filter(person__in=people).count() == 4


def test_an_interviewer_must_collect_in_the_person_unit(open_campaign, sample, manager, interviewer):
    elsewhere = people_of(sample, "20209")
    with pytest.raises(ValidationError, match="dtv.haichau"):
        people_assign(
            campaign=open_campaign,
            people=elsewhere,
            channel=FieldChannel.INTERVIEWER,
            interviewer=interviewer,
            actor=manager,
        )
    assert not SampledPerson.objects.filter(sample=sample, interviewer=interviewer).exists(), "all or nothing"
    assert not Assignment.objects.filter(interviewer=interviewer).exists()


def test_post_and_personal_links_create_one_invitation_each(open_campaign, sample, manager):
    post, link = people_of(sample, "20242")[:2], people_of(sample, "20209")
    people_assign(campaign=open_campaign, people=post, channel=FieldChannel.POST, actor=manager)
    people_assign(campaign=open_campaign, people=link, channel=FieldChannel.INVITATION, actor=manager)
    for person in SampledPerson.objects.filter(pk__in=[p.pk for p in post + link]).select_related(
        "invitation"
    ):
        assert person.invitation is not None
        assert person.invitation.unit_id == person.unit_id and person.invitation.campaign == open_campaign
    assert Invitation.objects.filter(campaign=open_campaign).count() == 5
    # Moving a postal person to a personal link keeps their (one) invitation.
    people_assign(campaign=open_campaign, people=post[:1], channel=FieldChannel.INVITATION, actor=manager)
    assert Invitation.objects.filter(campaign=open_campaign).count() == 5


def test_unused_reserves_and_closed_cases_are_not_assigned(open_campaign, sample, manager):
    first = people_of(sample, "20242")[0]
    sampled_person_set_status(person=first, status=PersonStatus.REFUSED, actor=manager)
    everyone = list(
        SampledPerson.objects.filter(sample=sample, unit__code="20242").select_related("sample", "unit")
    )
    result = people_assign(campaign=open_campaign, people=everyone, channel=FieldChannel.POST, actor=manager)
    assert (result.assigned, result.skipped) == (3, 1 + 3), "the refusal and the three unused reserves"


def test_status_changes_follow_the_allowed_moves_and_are_recorded(sample, manager):
    person = people_of(sample, "20242")[0]
    sampled_person_set_status(person=person, status=PersonStatus.CONTACTED, actor=manager, note="gọi lần 1")
    sampled_person_set_status(person=person, status=PersonStatus.UNREACHABLE, actor=manager)
    with pytest.raises(ValidationError):
        sampled_person_set_status(person=person, status=PersonStatus.PENDING, actor=manager)
    person.refresh_from_db()
    assert person.status == PersonStatus.UNREACHABLE and person.status_changed_at is not None
    history = list(person.events.order_by("id").values_list("from_status", "to_status", "note"))
    assert history == [
        (PersonStatus.PENDING, PersonStatus.CONTACTED, "gọi lần 1"),
        (PersonStatus.CONTACTED, PersonStatus.UNREACHABLE, ""),
    ]


def test_replacement_takes_the_next_reserve_of_the_same_stratum_and_keeps_the_channel(
    open_campaign, sample, manager, interviewer
):
    people = people_of(sample, "20242")
    people_assign(
        campaign=open_campaign,
        people=people,
        channel=FieldChannel.INTERVIEWER,
        interviewer=interviewer,
        actor=manager,
    )
    reserves = people_of(sample, "20242", reserves=True)
    assert [r.reserve_rank for r in reserves] == [1, 2, 3]
    refused, unreachable = people[0], people[1]
    with pytest.raises(ValidationError):
        sampled_person_replace(person=refused, actor=manager)  # still pending: nothing to replace
    sampled_person_set_status(person=refused, status=PersonStatus.REFUSED, actor=interviewer)
    first = sampled_person_replace(person=refused, actor=manager)
    assert first.pk == reserves[0].pk and first.stratum == "20242"
    first.refresh_from_db()
    refused.refresh_from_db()
    assert refused.status == PersonStatus.REPLACED
    assert first.replaces == refused and refused.replaced_by == first
    assert (first.channel, first.interviewer) == (FieldChannel.INTERVIEWER, interviewer)
    # The interviewer still has four people to interview (the replaced one no longer counts).
    assert (
        Assignment.objects.get(campaign=open_campaign, interviewer=interviewer, unit=first.unit).target == 4
    )
    assert (
        SampledPerson.objects.filter(interviewer=interviewer).exclude(status=PersonStatus.REPLACED).count()
        == 4
    )
    assert refused.events.filter(from_status=PersonStatus.REFUSED, to_status=PersonStatus.REPLACED).exists()
    with pytest.raises(ValidationError):
        sampled_person_replace(person=refused, actor=manager)  # once only

    sampled_person_set_status(person=unreachable, status=PersonStatus.UNREACHABLE, actor=interviewer)
    second = sampled_person_replace(person=unreachable, actor=manager)
    assert second.pk == reserves[1].pk, "the lowest unused place in the list, never another stratum's"
    other_stratum = people_of(sample, "20209", reserves=True)
    assert all(
        r.replaces_id is None for r in SampledPerson.objects.filter(pk__in=[r.pk for r in other_stratum])
    )


def test_replacement_of_a_postal_case_gives_the_reserve_its_own_letter_link(open_campaign, sample, manager):
    person = people_of(sample, "20209")[0]
    people_assign(campaign=open_campaign, people=[person], channel=FieldChannel.POST, actor=manager)
    sampled_person_set_status(person=person, status=PersonStatus.INELIGIBLE, actor=manager)
    reserve = sampled_person_replace(person=person, actor=manager)
    reserve.refresh_from_db()
    person.refresh_from_db()
    assert reserve.channel == FieldChannel.POST
    assert reserve.invitation_id and reserve.invitation_id != person.invitation_id


def test_no_reserve_left_is_said(open_campaign, sample, manager):
    people = people_of(sample, "20209")
    for person in people:
        sampled_person_set_status(person=person, status=PersonStatus.REFUSED, actor=manager)
    for person in people:
        sampled_person_replace(person=person, actor=manager)
    extra = (
        SampledPerson.objects.filter(sample=sample, unit__code="20209", is_reserve=True)
        .order_by("pk")
        .first()
    )
    sampled_person_set_status(person=extra, status=PersonStatus.REFUSED, actor=manager)
    with pytest.raises(ValidationError, match="20209"):
        sampled_person_replace(person=extra, actor=manager)


def test_sync_marks_completed_from_an_invitation_response(open_campaign, sample, manager):
    people = people_of(sample, "20242")[:2]
    people_assign(campaign=open_campaign, people=people, channel=FieldChannel.INVITATION, actor=manager)
    answered = SampledPerson.objects.select_related("invitation", "unit").get(pk=people[0].pk)
    # The public page stores the answer through the invitation, with no signal to the fieldwork.
    stored = response_submit(
        campaign=open_campaign,
        unit=answered.unit,
        channel=Channel.INVITATION,
        instance_id="inv-answer-1",
        answers=VALID,
        invitation=answered.invitation,
    ).response
    assert stored.invitation_id == answered.invitation_id
    answered.refresh_from_db()
    assert answered.status == PersonStatus.PENDING and answered.response is None
    assert fieldwork_sync(open_campaign) == 1
    answered.refresh_from_db()
    assert answered.status == PersonStatus.COMPLETED and answered.response == stored
    assert answered.status_changed_at == stored.received_at
    assert Response.objects.get(pk=stored.pk).meta["sampled_person"] == answered.pk
    event = answered.events.get(to_status=PersonStatus.COMPLETED)
    assert event.changed_by is None and event.changed_at == stored.received_at
    assert fieldwork_sync(open_campaign) == 0, "idempotent"
    assert SampledPerson.objects.get(pk=people[1].pk).status == PersonStatus.PENDING


def test_a_response_links_to_one_person_only(open_campaign, sample, manager, make_user, unit):
    first, second = people_of(sample, "20242")[:2]
    interviewer = make_user(Role.INTERVIEWER, unit("20242"))
    stored = response_submit(
        campaign=open_campaign,
        unit=first.unit,
        channel=Channel.INTERVIEWER,
        instance_id="int-1",
        answers=VALID,
        interviewer=interviewer,
    ).response
    sampled_person_record_response(person=first, response=stored, actor=interviewer)
    sampled_person_record_response(person=first, response=stored, actor=interviewer)  # idempotent
    assert first.events.count() == 1
    with pytest.raises(ValidationError):
        sampled_person_record_response(person=second, response=stored, actor=interviewer)
