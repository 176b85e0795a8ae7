"""Reads of the fieldwork, through the permission check when made for a user."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.campaigns.models import Campaign, CampaignStatus
from hailong.fieldwork.choices import DISPOSITION_OF_STATUS, Disposition
from hailong.fieldwork.rates import Dispositions
from hailong.fieldwork.services import active_people
from hailong.sampling.choices import PersonStatus
from hailong.sampling.models import FrameContact, SampledPerson, SampledPersonEvent
from hailong.units.models import Unit


def campaign_people(*, campaign: Campaign, user, perm: str = Perm.SURVEYS_MANAGE) -> QuerySet[SampledPerson]:
    """People in the field of a campaign (sample and activated reserves) in units where ``user``
    holds ``perm``."""
    return permissions.scope(
        active_people().filter(sample__campaign=campaign), user, perm, path_field="unit__path"
    ).select_related("unit", "interviewer", "record", "sample")


def person_get_for(
    *, campaign: Campaign, user, person_id: int, perm: str = Perm.SURVEYS_MANAGE
) -> SampledPerson:
    people = permissions.scope(
        SampledPerson.objects.filter(sample__campaign=campaign), user, perm, path_field="unit__path"
    )
    return get_object_or_404(
        people.select_related("unit", "interviewer", "record", "sample", "invitation", "replaces__record"),
        pk=person_id,
    )


def interviewer_people(*, user) -> QuerySet[SampledPerson]:
    """The people assigned to this interviewer in open campaigns, still to be worked on first."""
    return (
        active_people()
        .filter(interviewer=user, sample__campaign__status=CampaignStatus.OPEN)
        .exclude(status=PersonStatus.REPLACED)
        .select_related("unit", "record__contact", "sample__campaign")
        .order_by("sample__campaign_id", "unit__name", "status", "pk")
    )


def interviewer_person_get(*, user, person_id: int) -> SampledPerson:
    """One of the interviewer's own people (404 for anyone else's, or outside their area)."""
    person = get_object_or_404(
        interviewer_people(user=user).select_related("sample__campaign__version", "record"), pk=person_id
    )
    if not permissions.has_perm(user, Perm.RESPONSES_COLLECT, person.unit):
        from django.http import Http404

        raise Http404
    return person


def person_contact(person: SampledPerson) -> FrameContact | None:
    """The person's name, phone, e-mail and address — gone once the frame's personal data is purged."""
    try:
        return person.record.contact
    except ObjectDoesNotExist:
        return None


def person_history(person: SampledPerson) -> QuerySet[SampledPersonEvent]:
    return person.events.select_related("changed_by").order_by("changed_at", "id")


def original_outcomes(people_ids) -> dict[int, str]:
    """For replaced people: the status they had before being replaced (their AAPOR outcome)."""
    rows = SampledPersonEvent.objects.filter(
        person_id__in=people_ids, to_status=PersonStatus.REPLACED
    ).values_list("person_id", "from_status")
    return dict(rows)


def disposition_of(status: str, original: str | None = None) -> str:
    if status == PersonStatus.REPLACED:
        return DISPOSITION_OF_STATUS.get(original or "", Disposition.UNKNOWN)
    return DISPOSITION_OF_STATUS[status]


@dataclass
class UnitProgress:
    unit: Unit
    target: int | None
    statuses: Counter = field(default_factory=Counter)
    dispositions: Dispositions = field(default_factory=Dispositions)

    @property
    def people(self) -> int:
        return sum(self.statuses.values())

    @property
    def completed(self) -> int:
        return self.statuses[PersonStatus.COMPLETED]

    @property
    def target_share(self) -> float | None:
        return 100 * self.completed / self.target if self.target else None

    def count(self, status: str) -> int:
        return self.statuses[status]

    @property
    def rr1(self) -> float | None:
        value = self.dispositions.rr1
        return None if value is None else 100 * value

    @property
    def rr3(self) -> float | None:
        value = self.dispositions.rr3
        return None if value is None else 100 * value


@dataclass
class Progress:
    units: list[UnitProgress]
    total: UnitProgress


def fieldwork_progress(*, campaign: Campaign, user) -> Progress:
    """Per unit (and for the campaign): people by status, AAPOR dispositions, RR1 and RR3, and the
    completed interviews against the unit's target."""
    people = list(
        campaign_people(campaign=campaign, user=user).values_list("pk", "unit_id", "status").order_by()
    )
    replaced = [pk for pk, _unit, status in people if status == PersonStatus.REPLACED]
    originals = original_outcomes(replaced) if replaced else {}
    participants = {
        p.unit_id: p
        for p in permissions.scope(
            campaign.participants.select_related("unit"), user, Perm.SURVEYS_MANAGE, path_field="unit__path"
        )
    }
    unit_ids = {unit_id for _pk, unit_id, _status in people} | set(participants)
    units = {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids)}
    rows = {
        pk: UnitProgress(unit=unit, target=participants[pk].target if pk in participants else None)
        for pk, unit in units.items()
    }
    codes: dict[int, list[str]] = {pk: [] for pk in rows}
    for pk, unit_id, status in people:
        rows[unit_id].statuses[status] += 1
        codes[unit_id].append(disposition_of(status, originals.get(pk)))
    total = UnitProgress(unit=campaign.organiser, target=0)
    for pk, row in rows.items():
        row.dispositions = Dispositions.count(codes[pk])
        total.statuses.update(row.statuses)
        total.dispositions = total.dispositions + row.dispositions
        total.target += row.target or 0
    ordered = sorted(rows.values(), key=lambda r: (r.unit.type, r.unit.name))
    return Progress(units=ordered, total=total)


MAX_CHART_DAYS = 120
MIN_CHART_DAYS = 14


def daily_completed(*, campaign: Campaign, user, unit: Unit | None = None) -> list[tuple[date, int]]:
    """Completed interviews per day (local dates) up to today (or the last day of collection), zeros
    included: from the first one, or two weeks back if that is later; at most ``MAX_CHART_DAYS``."""
    people = campaign_people(campaign=campaign, user=user).filter(
        status=PersonStatus.COMPLETED, status_changed_at__isnull=False
    )
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    counts = Counter(
        timezone.localdate(moment) for moment in people.values_list("status_changed_at", flat=True)
    )
    if not counts:
        return []
    end = max(max(counts), min(timezone.localdate(), campaign.ends_on))
    # At least two weeks (within the collection period), at most MAX_CHART_DAYS.
    start = min(min(counts), max(campaign.starts_on, end - timedelta(days=MIN_CHART_DAYS - 1)))
    start = max(start, end - timedelta(days=MAX_CHART_DAYS - 1))
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return [(day, counts.get(day, 0)) for day in days]


def campaigns_with_fieldwork(*, user) -> QuerySet[Campaign]:
    """Campaigns the user manages that have a drawn sample."""
    from hailong.campaigns.selectors import campaign_list_for

    return campaign_list_for(user=user).filter(Q(samples__isnull=False)).distinct()
