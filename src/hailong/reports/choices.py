from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportKind(models.TextChoices):
    XLSX = "xlsx", _("Workbook (XLSX)")
    PDF = "pdf", _("Report (PDF)")
    CSV = "csv", _("All figures (CSV)")
    JSON = "json", _("All figures (JSON)")


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


# File name extension and content type of each kind.
EXPORT_FORMATS: dict[str, tuple[str, str]] = {
    ExportKind.XLSX: ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ExportKind.PDF: ("pdf", "application/pdf"),
    ExportKind.CSV: ("csv", "text/csv; charset=utf-8"),
    ExportKind.JSON: ("json", "application/json"),
}

# Respondent characteristics a run may be broken down by (EstimateValue.breakdown): the channel, and
# the profile questions of the SIPAS templates for the procedure field and the applicant type.
BREAKDOWN_CHANNEL = "channel"
BREAKDOWN_LABELS: dict[str, object] = {
    BREAKDOWN_CHANNEL: _("Channel"),
    "linh_vuc": _("Procedure field"),
    "doi_tuong": _("Applicant type"),
}
