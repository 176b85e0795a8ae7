from django.db import models
from django.utils.translation import gettext_lazy as _


class ApplicantType(models.TextChoices):
    CITIZEN = "citizen", _("Citizen")
    ORGANISATION = "organisation", _("Organisation")


class FrameStatus(models.TextChoices):
    IMPORTING = "importing", _("Importing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class SelectionMethod(models.TextChoices):
    STRATIFIED = "stratified", _("Stratified simple random sampling")
    SYSTEMATIC = "systematic", _("Systematic sampling within strata")
    PPS = "pps", _("Probability proportional to size")


class AllocationMethod(models.TextChoices):
    SIZE_RULE = "size_rule", _("Sample size rule per stratum")
    PROPORTIONAL = "proportional", _("Proportional to the frame")
    EQUAL = "equal", _("Equal per stratum")
    NEYMAN = "neyman", _("Neyman (optimal)")
    POWER = "power", _("Power (square root)")


class SampleStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    DRAWN = "drawn", _("Drawn")


class PersonStatus(models.TextChoices):
    """A sampled person's fieldwork status (AAPOR dispositions, simplified)."""

    PENDING = "pending", _("Pending")
    CONTACTED = "contacted", _("Contacted")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")
    UNREACHABLE = "unreachable", _("Unreachable")
    INELIGIBLE = "ineligible", _("Ineligible")
    REPLACED = "replaced", _("Replaced")


class FieldChannel(models.TextChoices):
    """How a sampled person is reached."""

    UNASSIGNED = "unassigned", _("Not yet assigned")
    INTERVIEWER = "interviewer", _("Interviewer")
    POST = "post", _("Post")
    INVITATION = "invitation", _("Personal link (e-mail or SMS)")
