from django.db import models
from django.utils.translation import gettext_lazy as _

from hailong.units.choices import COMMUNE_TYPES, DISTRICT_TYPES, PROVINCIAL_TYPES, UnitType


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class Weighting(models.TextChoices):
    DESIGN = "design", _("Design weights from the sample")
    POSTSTRATIFIED = "poststratified", _("Post-stratified to completed dossiers (unit × procedure field)")


class Counted(models.TextChoices):
    APPROVED = "approved", _("Approved responses only")
    NOT_REJECTED = "not_rejected", _("Approved and not yet reviewed responses")


# Which response statuses each choice counts.
COUNTED_STATUSES: dict[str, tuple[str, ...]] = {
    Counted.APPROVED: ("approved",),
    Counted.NOT_REJECTED: ("approved", "submitted"),
}


class IntervalMethod(models.TextChoices):
    NORMAL = "normal", _("Normal")
    T = "t", _("Student's t (design degrees of freedom)")


class DomainKind(models.TextChoices):
    OVERALL = "overall", _("Whole campaign")
    UNIT_TYPE = "unit_type", _("Unit type")
    UNIT = "unit", _("Unit")
    # The whole campaign (or one unit type) cut by a respondent characteristic: channel, procedure
    # field, applicant type (``EstimateValue.breakdown`` and ``category``).
    BREAKDOWN = "breakdown", _("Breakdown")


class FigureKind(models.TextChoices):
    ITEM = "item", _("Question")
    NODE = "node", _("Criterion")
    OVERALL = "overall", _("Overall index")
    # A criterion's weighted correlation, over respondents, with the overall satisfaction question.
    DRIVER = "driver", _("Driver of overall satisfaction")


class GapFlag(models.TextChoices):
    ABOVE = "above", _("Significantly above the average")
    BELOW = "below", _("Significantly below the average")
    NOT_SIGNIFICANT = "ns", _("Not significantly different")


# Units are ranked against units of the same kind: departments with departments, communes, wards and
# special zones together (one commune level since 2025), districts with districts.
RANKING_GROUP_LABELS: dict[str, object] = {
    "commune": _("Communes, wards and special zones"),
    "district": _("Districts, towns and provincial cities"),
    "province": _("Provinces and centrally-run cities"),
    UnitType.DEPARTMENT: _("Provincial departments"),
    UnitType.SECTOR_AGENCY: _("Sector agencies"),
    UnitType.ONE_STOP_OFFICE: _("One-stop offices"),
    UnitType.SERVICE_POINT: _("Service points"),
    UnitType.MINISTRY: _("Ministries"),
}


def ranking_group(unit_type: str) -> str:
    """The group a unit of this type is ranked in."""
    if unit_type in COMMUNE_TYPES:
        return "commune"
    if unit_type in DISTRICT_TYPES:
        return "district"
    if unit_type in PROVINCIAL_TYPES:
        return "province"
    return unit_type


def ranking_group_label(group: str) -> object:
    if group in RANKING_GROUP_LABELS:
        return RANKING_GROUP_LABELS[group]
    try:
        return UnitType(group).label
    except ValueError:
        return group
