from django.db import models
from django.utils.translation import gettext_lazy as _

from hailong.audit.models import AuditAction


class FlagKind(models.TextChoices):
    """What an automatic check found suspicious about a response (docs/quality.md has each rule)."""

    DUPLICATE_DOSSIER = "duplicate_dossier", _("Same dossier as another response")
    DUPLICATE_PHONE = "duplicate_phone", _("Same phone number as another response")
    SPEEDER = "speeder", _("Answered far faster than the others")
    STRAIGHT_LINING = "straight_lining", _("Every satisfaction answer identical")
    OUT_OF_PERIOD = "out_of_period", _("Answered outside the collection period")
    IMPOSSIBLE_PROFILE = "impossible_profile", _("Impossible respondent profile")
    INTERVIEWER = "interviewer", _("Interviewer's responses differ from the others'")


class Severity(models.IntegerChoices):
    LOW = 1, _("Low")
    MEDIUM = 2, _("Medium")
    HIGH = 3, _("High")


SEVERITY_BY_NAME: dict[str, int] = {"low": Severity.LOW, "medium": Severity.MEDIUM, "high": Severity.HIGH}


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    HOLD = "hold", _("Put on hold")


# The response status each decision leads to (``collection.models.ResponseStatus`` values).
DECISION_STATUS: dict[str, str] = {
    Decision.APPROVE: "approved",
    Decision.REJECT: "rejected",
    Decision.HOLD: "on_hold",
}


class ComputeState(models.TextChoices):
    NEVER = "never", _("Not computed yet")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# Audit actions this app writes (choices of ``audit.AuditAction``).
AUDIT_RESPONSE_REVIEWED = AuditAction.RESPONSE_REVIEWED
AUDIT_RESPONSES_REVIEWED = AuditAction.RESPONSES_REVIEWED
AUDIT_SETTINGS_CHANGED = AuditAction.QUALITY_SETTINGS_CHANGED
