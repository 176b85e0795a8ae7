"""Export jobs: a file made from one frozen estimation run (a workbook, a PDF report, the figures as
CSV or JSON), for the whole campaign or for one unit.

A job is made in the background (``reports.tasks``) and its file written under the data folder
(``reports.exports.export_dir``); the file is served only through the download view, which asks the
permission check again. A done run never changes, so a done job's file is reused for the same
request (same run, unit, kind and language) instead of being made again.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hailong.reports.choices import ExportKind, ExportStatus


class ExportJob(models.Model):
    run = models.ForeignKey(
        "indices.EstimationRun", verbose_name=_("estimation run"), on_delete=models.CASCADE, related_name="+"
    )
    # Empty: the whole campaign; set: the unit's own report (its scorecard as a PDF).
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ExportKind.choices)
    language = models.CharField(max_length=8, default="vi")
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    # Relative to the export folder; set once the file is complete.
    file = models.CharField(max_length=255, blank=True)
    filename = models.CharField(max_length=255, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["run", "kind", "unit", "status"], name="export_run_kind_idx")]
        constraints = [models.CheckConstraint(condition=Q(progress__lte=100), name="export_progress_percent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — #{self.run_id}"

    @property
    def is_active(self) -> bool:
        return self.status in (ExportStatus.QUEUED, ExportStatus.RUNNING)

    @property
    def is_done(self) -> bool:
        return self.status == ExportStatus.DONE
