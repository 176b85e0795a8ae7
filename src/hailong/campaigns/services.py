"""Every write to campaigns: creation, participating units and targets, and the life cycle."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from hailong.campaigns.models import TRANSITIONS, Campaign, CampaignStatus, CampaignStatusChange, CampaignUnit
from hailong.campaigns.signals import campaign_status_changed
from hailong.core.messages import lazy_format
from hailong.methodology.choices import VersionStatus
from hailong.methodology.models import QuestionnaireVersion
from hailong.units.models import Unit


@transaction.atomic
def campaign_create(
    *,
    code: str,
    name: dict,
    year: int,
    version: QuestionnaireVersion,
    organiser: Unit,
    starts_on: date,
    ends_on: date,
    default_target: int = 0,
    double_entry: bool = False,
    actor=None,
) -> Campaign:
    if version.status != VersionStatus.PUBLISHED:
        raise ValidationError(
            {"version": _("Only a published questionnaire version can be used in a campaign.")}
        )
    campaign = Campaign(
        code=code,
        name=name,
        year=year,
        version=version,
        organiser=organiser,
        starts_on=starts_on,
        ends_on=ends_on,
        default_target=default_target,
        double_entry=double_entry,
    )
    campaign.full_clean()
    campaign.save()
    CampaignStatusChange.objects.create(
        campaign=campaign,
        from_status=CampaignStatus.DRAFT,
        to_status=CampaignStatus.DRAFT,
        changed_by=actor,
        note="created",
    )
    return campaign


@transaction.atomic
def campaign_set_units(*, campaign: Campaign, targets: dict[Unit, int | None]) -> list[CampaignUnit]:
    """Add (or re-target) participating units. ``None`` as a target means the campaign's default.

    Units must lie under the organiser and exist during the collection period.
    """
    rows = []
    for unit, target in targets.items():
        if not unit.path.startswith(campaign.organiser.path):
            raise ValidationError(lazy_format(_("{unit} is not under the organising unit."), unit=unit.name))
        if not (unit.is_valid_on(campaign.starts_on) or unit.is_valid_on(campaign.ends_on)):
            raise ValidationError(
                lazy_format(_("{unit} does not exist during the collection period."), unit=unit.name)
            )
        row, _created = CampaignUnit.objects.update_or_create(
            campaign=campaign,
            unit=unit,
            defaults={"target": campaign.default_target if target is None else target},
        )
        rows.append(row)
    return rows


@transaction.atomic
def campaign_remove_unit(*, campaign: Campaign, unit: Unit) -> None:
    from hailong.collection.models import Response

    if Response.objects.filter(campaign=campaign, unit=unit).exists():
        raise ValidationError(_("This unit already has responses; it cannot leave the campaign."))
    CampaignUnit.objects.filter(campaign=campaign, unit=unit).delete()


@transaction.atomic
def campaign_transition(*, campaign: Campaign, to: str, actor=None, note: str = "") -> Campaign:
    """Move the campaign along its life cycle; the caller's object is updated too."""
    given = campaign
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if to not in TRANSITIONS[campaign.status]:
        raise ValidationError(
            lazy_format(
                _("A campaign cannot go from “{old}” to “{new}”."),
                old=CampaignStatus(campaign.status).label,
                new=CampaignStatus(to).label,
            )
        )
    if to == CampaignStatus.OPEN and not campaign.participants.exists():
        raise ValidationError(_("Add at least one participating unit before opening the campaign."))
    CampaignStatusChange.objects.create(
        campaign=campaign, from_status=campaign.status, to_status=to, changed_by=actor, note=note
    )
    from_status = campaign.status
    campaign.status = given.status = to
    campaign.save(update_fields=["status", "updated_at"])
    campaign_status_changed.send(
        sender=Campaign, campaign=campaign, from_status=from_status, to_status=to, actor=actor
    )
    return campaign
