"""Fieldwork statuses, the moves allowed between them, and how they map to AAPOR dispositions."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from hailong.sampling.choices import FieldChannel, PersonStatus

# The allowed moves of a sampled person's status. ``completed`` and ``replaced`` are final; a person
# who refused or could not be reached may still answer (through their link, or a later visit), and
# only a refusal, a non-contact or an ineligible case may be replaced from the reserve list.
TRANSITIONS: dict[str, frozenset[str]] = {
    PersonStatus.PENDING: frozenset(
        {
            PersonStatus.CONTACTED,
            PersonStatus.COMPLETED,
            PersonStatus.REFUSED,
            PersonStatus.UNREACHABLE,
            PersonStatus.INELIGIBLE,
        }
    ),
    PersonStatus.CONTACTED: frozenset(
        {PersonStatus.COMPLETED, PersonStatus.REFUSED, PersonStatus.UNREACHABLE, PersonStatus.INELIGIBLE}
    ),
    PersonStatus.REFUSED: frozenset({PersonStatus.COMPLETED, PersonStatus.REPLACED}),
    PersonStatus.UNREACHABLE: frozenset(
        {
            PersonStatus.CONTACTED,
            PersonStatus.COMPLETED,
            PersonStatus.REFUSED,
            PersonStatus.INELIGIBLE,
            PersonStatus.REPLACED,
        }
    ),
    PersonStatus.INELIGIBLE: frozenset({PersonStatus.REPLACED}),
    PersonStatus.COMPLETED: frozenset(),
    PersonStatus.REPLACED: frozenset(),
}

# People still to be worked on: they can be assigned, reminded, and (by an interviewer) interviewed.
OPEN_STATUSES: frozenset[str] = frozenset({PersonStatus.PENDING, PersonStatus.CONTACTED})
# Outcomes after which the reserve list may be used.
REPLACEABLE_STATUSES: frozenset[str] = frozenset(
    {PersonStatus.REFUSED, PersonStatus.UNREACHABLE, PersonStatus.INELIGIBLE}
)
# What an interviewer may record at the door or on the phone (completed comes with the form).
INTERVIEWER_OUTCOMES: tuple[str, ...] = (
    PersonStatus.CONTACTED,
    PersonStatus.REFUSED,
    PersonStatus.UNREACHABLE,
)
# Channels that reach the person through a personal link (an ``Invitation``).
LINK_CHANNELS: frozenset[str] = frozenset({FieldChannel.POST, FieldChannel.INVITATION})


class Disposition(models.TextChoices):
    """AAPOR final disposition groups (Standard Definitions), as far as our statuses tell them apart."""

    INTERVIEW = "I", _("Complete interview (I)")
    PARTIAL = "P", _("Partial interview (P)")
    REFUSAL = "R", _("Refusal and break-off (R)")
    NON_CONTACT = "NC", _("Non-contact (NC)")
    OTHER = "O", _("Other eligible non-interview (O)")
    UNKNOWN = "U", _("Unknown eligibility (UH, UO)")
    INELIGIBLE = "IE", _("Not eligible")


# Our statuses → AAPOR. ``replaced`` is counted as the outcome it had before it was replaced
# (read from its history); pending/contacted people without an outcome are of unknown eligibility.
DISPOSITION_OF_STATUS: dict[str, str] = {
    PersonStatus.COMPLETED: Disposition.INTERVIEW,
    PersonStatus.REFUSED: Disposition.REFUSAL,
    PersonStatus.UNREACHABLE: Disposition.NON_CONTACT,
    PersonStatus.PENDING: Disposition.UNKNOWN,
    PersonStatus.CONTACTED: Disposition.UNKNOWN,
    PersonStatus.INELIGIBLE: Disposition.INELIGIBLE,
}


class ReminderChannel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class ReminderStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    EXPORTED = "exported", _("Exported for the SMS gateway")
    FAILED = "failed", _("Failed")
