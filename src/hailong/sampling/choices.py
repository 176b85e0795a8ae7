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
    # Two stages: units by probability proportional to their frame counts (forced units first),
    # then people by simple random sampling within the selected units.
    PPS = "pps", _("Two stages: units by PPS, then people at random")


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


class StratumField(models.TextChoices):
    """Frame fields a manager may stratify by (any combination, in this order)."""

    UNIT = "unit", _("Handling unit")
    PROCEDURE_FIELD = "procedure_field", _("Procedure field")
    APPLICANT_TYPE = "applicant_type", _("Applicant type")


class SizeRule(models.TextChoices):
    YAMANE = "yamane", _("Yamane: n = N / (1 + N·e²) (the official rule)")
    COCHRAN = "cochran", _("Cochran, with the finite population correction")


# How the detected text encoding of a frame file is shown.
ENCODING_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
    "cp1258": "Windows-1258",
    "xlsx": "XLSX",
}
