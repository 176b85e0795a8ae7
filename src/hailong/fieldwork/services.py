"""Every write of the fieldwork: a sampled person's status, channel, interviewer, personal link and
response (one service, ``sampled_person_update``, writes each change and its history event),
assignments, replacements from the reserve list, the sync of answers that came in through personal
links, reminders and interviewer teams."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign
from hailong.collection.models import Assignment, Invitation, Response
from hailong.collection.services import assignment_set
from hailong.core.messages import bilingual, lazy_format
from hailong.fieldwork.choices import (
    LINK_CHANNELS,
    OPEN_STATUSES,
    REPLACEABLE_STATUSES,
    TRANSITIONS,
    ReminderChannel,
    ReminderStatus,
)
from hailong.fieldwork.models import InterviewerTeam, Reminder, TeamMember
from hailong.sampling.choices import FieldChannel, PersonStatus
from hailong.sampling.models import SampledPerson, SampledPersonEvent
from hailong.units.models import Unit

NOTE_MAX = 500
_UNSET = object()


def active_people() -> QuerySet[SampledPerson]:
    """People in the field: the sample proper and the reserves brought in as replacements."""
    return SampledPerson.objects.filter(Q(is_reserve=False) | Q(replaces__isnull=False))


def invitation_url(base_url: str, invitation: Invitation) -> str:
    """The personal link: ``base_url`` is the site's address (``request.build_absolute_uri("/")``)."""
    return base_url.rstrip("/") + reverse("survey:invitation", args=[invitation.token])


def _separated(parts: list[object]) -> list[object]:
    """``a; b; c`` (for one bilingual note: all the Vietnamese, then all the English)."""
    out: list[object] = []
    for index, part in enumerate(parts):
        out.append(part if index == 0 else format_lazy("; {}", part))
    return out


def _username(user) -> str:
    return user.get_username() if user is not None else "–"


@transaction.atomic
def sampled_person_update(
    *,
    person: SampledPerson,
    actor,
    status: str | None = None,
    channel: str | None = None,
    interviewer=_UNSET,
    invitation: Invitation | None = None,
    response: Response | None = None,
    note: str = "",
    at: datetime | None = None,
) -> SampledPerson:
    """Change a sampled person's status, channel, interviewer, personal link or response.

    The one write of these fields: each call that changes something writes one
    ``SampledPersonEvent`` (from and to status, what else changed, the note, who, when). A status
    must follow ``choices.TRANSITIONS``. ``at`` dates the change (a response's arrival time);
    default now. The caller's object is updated too.
    """
    locked = SampledPerson.objects.select_for_update().get(pk=person.pk)
    old_status = locked.status
    changes: list[object] = []
    fields: list[str] = []
    when = at or timezone.now()
    if status is not None and status != locked.status:
        if status not in TRANSITIONS[locked.status]:
            raise ValidationError(
                lazy_format(
                    _("A sampled person cannot go from “{old}” to “{new}”."),
                    old=PersonStatus(locked.status).label,
                    new=PersonStatus(status).label,
                )
            )
        locked.status = status
        locked.status_changed_at = when
        fields += ["status", "status_changed_at"]
    if channel is not None and channel != locked.channel:
        changes.append(
            lazy_format(
                _("channel: {old} → {new}"),
                old=FieldChannel(locked.channel).label,
                new=FieldChannel(channel).label,
            )
        )
        locked.channel = channel
        fields.append("channel")
    if interviewer is not _UNSET and (interviewer.pk if interviewer else None) != locked.interviewer_id:
        changes.append(
            lazy_format(
                _("interviewer: {old} → {new}"), old=_username(locked.interviewer), new=_username(interviewer)
            )
        )
        locked.interviewer = interviewer
        fields.append("interviewer")
    if invitation is not None and invitation.pk != locked.invitation_id:
        changes.append(_("personal link created"))
        locked.invitation = invitation
        fields.append("invitation")
    if response is not None and response.pk != locked.response_id:
        if locked.response_id is not None:
            raise ValidationError(_("This person's response is already recorded."))
        changes.append(lazy_format(_("response {ref} linked"), ref=response.uuid.hex[:8].upper()))
        locked.response = response
        fields.append("response")
    if not fields:
        return locked
    locked.save(update_fields=fields)
    text = bilingual(format_lazy("{}" * len(changes), *_separated(changes))) if changes else ""
    if note:
        text = f"{text} — {note}" if text else note
    event = SampledPersonEvent.objects.create(
        person=locked, from_status=old_status, to_status=locked.status, note=text[:NOTE_MAX], changed_by=actor
    )
    if at is not None:
        # auto_now_add cannot be given a time: a late-synced answer is dated when it arrived.
        SampledPersonEvent.objects.filter(pk=event.pk).update(changed_at=at)
    for name in fields:
        setattr(person, name, getattr(locked, name))
    return locked


def sampled_person_set_status(
    *, person: SampledPerson, status: str, actor, note: str = "", at: datetime | None = None
) -> SampledPerson:
    return sampled_person_update(person=person, actor=actor, status=status, note=note, at=at)


@transaction.atomic
def sampled_person_record_response(
    *, person: SampledPerson, response: Response, actor, note: str = ""
) -> SampledPerson:
    """Link a response to the person it came from and mark them completed (idempotent).

    A person whose status can no longer become completed (replaced, ineligible) keeps it: the
    response is linked and the history says so.
    """
    locked = SampledPerson.objects.select_for_update().select_related("sample").get(pk=person.pk)
    if locked.sample.campaign_id != response.campaign_id:
        raise ValidationError(_("This response belongs to another campaign."))
    if locked.response_id == response.pk:
        return locked
    other = SampledPerson.objects.filter(response=response).exclude(pk=locked.pk).first()
    if other is not None:
        raise ValidationError(_("This response is already linked to another sampled person."))
    status = PersonStatus.COMPLETED if PersonStatus.COMPLETED in TRANSITIONS[locked.status] else None
    if response.meta.get("sampled_person") != locked.pk:
        Response.objects.filter(pk=response.pk).update(meta={**response.meta, "sampled_person": locked.pk})
    updated = sampled_person_update(
        person=locked, actor=actor, status=status, response=response, note=note, at=response.received_at
    )
    for name in ("status", "status_changed_at", "response"):
        setattr(person, name, getattr(updated, name))
    return updated


def interviewer_assignment_ensure(*, campaign: Campaign, interviewer, unit: Unit) -> Assignment:
    """The ``collection.Assignment`` behind an interviewer's people in a unit (target ≥ their number),
    so the interviewer's *Collect* page and its counts keep working."""
    assigned = (
        SampledPerson.objects.filter(sample__campaign=campaign, interviewer=interviewer, unit=unit)
        .exclude(status=PersonStatus.REPLACED)
        .count()
    )
    existing = Assignment.objects.filter(campaign=campaign, interviewer=interviewer, unit=unit).first()
    if existing is not None and existing.target >= assigned:
        return existing
    return assignment_set(
        campaign=campaign,
        interviewer=interviewer,
        unit=unit,
        target=max(assigned, existing.target if existing else 0),
    )


@dataclass
class AssignResult:
    assigned: int = 0
    unchanged: int = 0
    skipped: int = 0  # not open (completed, refused…) or an unused reserve
    units: set = field(default_factory=set)


def _check_interviewer(interviewer, unit: Unit) -> None:
    if interviewer is None or not interviewer.is_active:
        raise ValidationError(_("Choose an active interviewer."))
    if not permissions.has_perm(interviewer, Perm.RESPONSES_COLLECT, unit):
        raise ValidationError(
            lazy_format(
                _("{user} is not an interviewer for {unit}."), user=interviewer.get_username(), unit=unit.name
            )
        )


def _route(*, campaign: Campaign, person: SampledPerson, channel: str, interviewer, actor, note: str) -> bool:
    """Give one person a channel (and interviewer or personal link); True if anything changed."""
    invitation = None
    if channel in LINK_CHANNELS and person.invitation_id is None:
        invitation = Invitation.objects.create(campaign=campaign, unit=person.unit)
    before = (person.channel, person.interviewer_id, person.invitation_id)
    sampled_person_update(
        person=person,
        actor=actor,
        channel=channel,
        interviewer=interviewer if channel == FieldChannel.INTERVIEWER else None,
        invitation=invitation,
        note=note,
    )
    return before != (person.channel, person.interviewer_id, person.invitation_id)


@transaction.atomic
def people_assign(
    *,
    campaign: Campaign,
    people: Iterable[SampledPerson],
    channel: str,
    actor,
    interviewer=None,
    note: str = "",
) -> AssignResult:
    """Send people to an interviewer, to the post (a letter with their personal link) or to a
    personal link by e-mail/SMS — all or nothing.

    Only people still open (pending, contacted) who are in the field are routed; the others are
    counted as skipped. An interviewer gets the ``collection.Assignment`` of each unit; a postal or
    link channel gets each person a one-time ``collection.Invitation`` in their unit (their contact
    stays in the sample frame: the invitation flow does not need a copy).
    """
    if channel not in FieldChannel.values:
        raise ValidationError(_("Unknown channel."))
    result = AssignResult()
    pairs: set[int] = set()
    for person in people:
        if person.sample.campaign_id != campaign.pk:
            raise ValidationError(_("This person belongs to another campaign's sample."))
        if person.status not in OPEN_STATUSES or (person.is_reserve and person.replaces_id is None):
            result.skipped += 1
            continue
        if channel == FieldChannel.INTERVIEWER:
            _check_interviewer(interviewer, person.unit)
            pairs.add(person.unit_id)
        if _route(
            campaign=campaign, person=person, channel=channel, interviewer=interviewer, actor=actor, note=note
        ):
            result.assigned += 1
            result.units.add(person.unit_id)
        else:
            result.unchanged += 1
    for unit in Unit.objects.filter(pk__in=pairs):
        interviewer_assignment_ensure(campaign=campaign, interviewer=interviewer, unit=unit)
    return result


def next_reserve(person: SampledPerson) -> SampledPerson | None:
    """The first unused reserve of the person's stratum (lowest place in the reserve list)."""
    return (
        SampledPerson.objects.filter(
            sample_id=person.sample_id,
            stratum=person.stratum,
            is_reserve=True,
            replaces__isnull=True,
            status=PersonStatus.PENDING,
        )
        .exclude(pk=person.pk)
        .order_by("reserve_rank", "id")
        .first()
    )


@transaction.atomic
def sampled_person_replace(*, person: SampledPerson, actor, note: str = "") -> SampledPerson:
    """Replace a refusal, non-contact or ineligible case by the next reserve of the same stratum.

    The person becomes ``replaced``; the reserve ``replaces`` them and gets the same channel and
    interviewer (and a personal link of its own for postal and link channels). Returns the reserve.
    """
    locked = (
        SampledPerson.objects.select_for_update().select_related("sample__campaign", "unit").get(pk=person.pk)
    )
    if locked.status not in REPLACEABLE_STATUSES:
        raise ValidationError(
            _("Only a person who refused, could not be reached or is not eligible can be replaced.")
        )
    if SampledPerson.objects.filter(replaces=locked).exists():
        raise ValidationError(_("This person has already been replaced."))
    candidates = (
        SampledPerson.objects.select_for_update()
        .filter(
            sample_id=locked.sample_id,
            stratum=locked.stratum,
            is_reserve=True,
            replaces__isnull=True,
            status=PersonStatus.PENDING,
        )
        .exclude(pk=locked.pk)
    )
    reserve = candidates.select_related("unit").order_by("reserve_rank", "id").first()
    if reserve is None:
        raise ValidationError(
            lazy_format(_("No reserve is left in stratum {stratum}."), stratum=locked.stratum)
        )
    sampled_person_update(
        person=locked,
        actor=actor,
        status=PersonStatus.REPLACED,
        note=note
        or bilingual(lazy_format(_("replaced by reserve no. {rank}"), rank=reserve.reserve_rank or "–")),
    )
    reserve.replaces = locked
    reserve.save(update_fields=["replaces"])
    campaign = locked.sample.campaign
    replaces_note = bilingual(lazy_format(_("replaces {code}"), code=locked.record.dossier_code))
    channel, interviewer = locked.channel, locked.interviewer
    if channel == FieldChannel.INTERVIEWER and not (
        interviewer is not None
        and interviewer.is_active
        and permissions.has_perm(interviewer, Perm.RESPONSES_COLLECT, reserve.unit)
    ):
        # The reserve lives where this interviewer may not collect: a manager routes it by hand.
        channel, interviewer = FieldChannel.UNASSIGNED, None
    if channel != FieldChannel.UNASSIGNED:
        _route(
            campaign=campaign,
            person=reserve,
            channel=channel,
            interviewer=interviewer,
            actor=actor,
            note=replaces_note,
        )
        if channel == FieldChannel.INTERVIEWER:
            interviewer_assignment_ensure(campaign=campaign, interviewer=interviewer, unit=reserve.unit)
    else:
        SampledPersonEvent.objects.create(
            person=reserve,
            from_status=reserve.status,
            to_status=reserve.status,
            note=replaces_note[:NOTE_MAX],
            changed_by=actor,
        )
    for name in ("status", "status_changed_at"):
        setattr(person, name, getattr(locked, name))
    return reserve


def fieldwork_sync(campaign: Campaign) -> int:
    """Link the answers that came in through personal links to their sampled people (completed).

    The public submission path is a fast raw insert with no signals, so this runs lazily: when the
    fieldwork pages open and in the background task / ``hailong fieldwork sync``. Returns how many
    people it completed or linked.
    """
    waiting = (
        SampledPerson.objects.filter(
            sample__campaign=campaign, response__isnull=True, invitation__response__isnull=False
        )
        .select_related("invitation__response")
        .order_by("pk")
    )
    linked = 0
    for person in waiting:
        sampled_person_record_response(person=person, response=person.invitation.response, actor=None)
        linked += 1
    return linked


def invitations_mark_sent(invitation_ids: Iterable[int], *, at: datetime | None = None) -> int:
    """The personal links went out (letters printed, messages exported): remember when, once."""
    return Invitation.objects.filter(pk__in=list(invitation_ids), sent_at__isnull=True).update(
        sent_at=at or timezone.now()
    )


def reminders_due(
    *, campaign: Campaign, days: int, channel: str, unit: Unit | None = None, now: datetime | None = None
) -> QuerySet[SampledPerson]:
    """People with an unanswered personal link who have been pending or contacted, with nothing
    happening (no change, no invitation sent, no reminder), for more than ``days`` days and who have
    an e-mail address (``channel`` e-mail) or a phone number (SMS)."""
    cutoff = (now or timezone.now()) - timedelta(days=days)
    last_event = (
        SampledPersonEvent.objects.filter(person=OuterRef("pk"))
        .order_by("-changed_at")
        .values("changed_at")[:1]
    )
    people = (
        active_people()
        .filter(
            sample__campaign=campaign,
            status__in=OPEN_STATUSES,
            channel__in=LINK_CHANNELS,
            invitation__isnull=False,
            invitation__used_at__isnull=True,
        )
        .annotate(last_change=Subquery(last_event))
        .filter(Q(last_change__isnull=True) | Q(last_change__lte=cutoff))
        .filter(Q(invitation__sent_at__isnull=True) | Q(invitation__sent_at__lte=cutoff))
        .exclude(Exists(Reminder.objects.filter(person=OuterRef("pk"), created_at__gt=cutoff)))
    )
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    if channel == ReminderChannel.EMAIL:
        people = people.filter(record__contact__email__gt="")
    else:
        people = people.filter(record__contact__phone__gt="")
    return people.select_related("invitation", "record__contact", "unit").order_by("unit__name", "pk")


@transaction.atomic
def reminders_create(
    *, campaign: Campaign, people: Iterable[SampledPerson], channel: str, actor, base_url: str
) -> list[Reminder]:
    """One reminder per person. E-mails are queued as background tasks once this commits; SMS are
    marked ``exported``: the caller hands them to the gateway as a CSV (``exports.sms_rows``)."""
    from hailong.fieldwork.tasks import reminder_email_task

    reminders = []
    for person in people:
        reminder = Reminder.objects.create(
            person=person,
            channel=channel,
            created_by=actor,
            status=ReminderStatus.QUEUED if channel == ReminderChannel.EMAIL else ReminderStatus.EXPORTED,
            sent_at=None if channel == ReminderChannel.EMAIL else timezone.now(),
        )
        reminders.append(reminder)
        if channel == ReminderChannel.EMAIL:
            transaction.on_commit(lambda pk=reminder.pk: reminder_email_task.enqueue(pk, base_url))
    return reminders


def reminder_send(*, reminder: Reminder, base_url: str) -> Reminder:
    """Send one e-mail reminder through Django's e-mail backend (called by the background task)."""
    from django.core.mail import send_mail

    from hailong.fieldwork.texts import email_invitation

    if reminder.status == ReminderStatus.SENT:
        return reminder
    person = SampledPerson.objects.select_related(
        "invitation", "record__contact", "sample__campaign__organiser"
    ).get(pk=reminder.person_id)
    contact = getattr(person.record, "contact", None)
    if contact is None or not contact.email or person.invitation is None:
        reminder.status, reminder.error = ReminderStatus.FAILED, "no e-mail address or personal link"
        reminder.save(update_fields=["status", "error"])
        return reminder
    message = email_invitation(
        campaign=person.sample.campaign,
        name=contact.name,
        link=invitation_url(base_url, person.invitation),
        reminder=True,
    )
    try:
        send_mail(message.subject, message.body, None, [contact.email])
    except Exception as exc:  # noqa: BLE001 - an SMTP failure is recorded on the reminder, not raised
        reminder.status, reminder.error = ReminderStatus.FAILED, str(exc)[:500]
        reminder.save(update_fields=["status", "error"])
        return reminder
    reminder.status, reminder.sent_at = ReminderStatus.SENT, timezone.now()
    reminder.save(update_fields=["status", "sent_at"])
    return reminder


@transaction.atomic
def team_ensure(*, campaign: Campaign, name: str, unit: Unit, leader=None) -> InterviewerTeam:
    """The team of this name in the campaign (created in ``unit`` if new). Units outside the
    organiser are refused."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("The team needs a name.")})
    if not unit.path.startswith(campaign.organiser.path):
        raise ValidationError(
            {"unit": lazy_format(_("{unit} is not under the organising unit."), unit=unit.name)}
        )
    team, created = InterviewerTeam.objects.get_or_create(
        campaign=campaign, name=name, defaults={"unit": unit, "leader": leader}
    )
    if not created and leader is not None and team.leader_id != leader.pk:
        team.leader = leader
        team.save(update_fields=["leader", "updated_at"])
    return team


@transaction.atomic
def team_member_add(*, team: InterviewerTeam, user) -> TeamMember:
    member, _created = TeamMember.objects.get_or_create(team=team, user=user)
    return member
