from django.db import models
from django.utils.translation import gettext_lazy as _

from hailong.parindex import scoring
from hailong.units.choices import COMMUNE_TYPES, PROVINCIAL_TYPES, UnitType


class UnitKind(models.TextChoices):
    PROVINCE = "province", _("Province")
    MINISTRY = "ministry", _("Ministry")
    DEPARTMENT = "department", _("Provincial department")
    COMMUNE = "commune", _("Commune")


# Which unit types each kind of assessed unit covers.
KIND_TYPES: dict[str, frozenset[str]] = {
    UnitKind.PROVINCE: PROVINCIAL_TYPES,
    UnitKind.MINISTRY: frozenset({UnitType.MINISTRY}),
    UnitKind.DEPARTMENT: frozenset({UnitType.DEPARTMENT}),
    UnitKind.COMMUNE: COMMUNE_TYPES,
}


class Method(models.TextChoices):
    YES_NO = scoring.YES_NO, _("Yes / no")
    LEVELS = scoring.LEVELS, _("Scale of levels")
    PROPORTION = scoring.PROPORTION, _("Proportion with thresholds")
    FORMULA = scoring.FORMULA, _("Formula")
    MANUAL = scoring.MANUAL, _("Manual")
    SURVEY = scoring.SURVEY, _("From the survey")


class SetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("In use")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("Self-assessment in progress")
    SUBMITTED = "submitted", _("Submitted")
    APPRAISED = "appraised", _("Preliminary result sent")
    DISPUTED = "disputed", _("Unit responded")
    FINAL = "final", _("Final")


class ChangeStage(models.TextChoices):
    SELF = "self", _("Self-assessment")
    APPRAISAL = "appraisal", _("Appraisal")
    RESPONSE = "response", _("Unit response")
    FINAL = "final", _("Final decision")
    SURVEY = "survey", _("Survey points")
