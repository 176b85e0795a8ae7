"""PAR INDEX: criteria sets (versioned data), yearly cycles, each unit's assessment, its scores,
evidence and the history of every score change. See docs/parindex.md."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.functional import LazyObject
from django.utils.translation import gettext_lazy as _

from hailong.parindex.choices import AssessmentStatus, ChangeStage, Method, SetStatus, UnitKind


class CriteriaSet(models.Model):
    """A criteria tree for one year and one kind of assessed unit. Once in use it never changes."""

    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    unit_kind = models.CharField(_("assessed units"), max_length=16, choices=UnitKind.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=SetStatus.choices, default=SetStatus.DRAFT)
    source = models.CharField(_("legal basis"), max_length=200, blank=True)
    # The conversion of a survey index (0–100) into a survey sub-criterion's points, e.g.
    # {"kind": "linear"} or {"kind": "thresholds", "thresholds": [[90, 1], [80, 0.8]]}.
    survey_rule = models.JSONField(default=dict, blank=True)
    # [["A", 90], ["B", 80], ["C", 70]]: group labels and their minimum index.
    bands = models.JSONField(default=list, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "unit_kind", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "unit_kind", "version"], name="par_set_year_kind_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.year}, v{self.version})"


class Criterion(models.Model):
    """A field (level 1), criterion (2) or sub-criterion (3+) of a set. Leaves are scored."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=500)
    level = models.PositiveSmallIntegerField(default=1)
    order = models.PositiveIntegerField(default=0)
    max_points = models.FloatField(_("maximum points"))
    method = models.CharField(
        _("scoring method"), max_length=16, choices=Method.choices, default=Method.MANUAL
    )
    # Method settings: {"levels": [0, 0.5, 1]}, {"thresholds": [[50, 0.5], [100, 1]]}, {"target": 100}.
    config = models.JSONField(default=dict, blank=True)
    evidence = models.CharField(_("evidence needed"), max_length=500, blank=True)
    # [{"code": "late", "label": "Report sent late", "points": 0.5}]
    penalties = models.JSONField(default=list, blank=True)
    # For survey-scored leaves: the code of the figure in the estimation run ("" = the overall index).
    survey_code = models.CharField(max_length=100, blank=True)
    # The maximum is not confirmed by a public source (domain.md): shown as such, editable.
    unconfirmed = models.BooleanField(default=False)

    class Meta:
        ordering = ["criteria_set_id", "order"]
        constraints = [models.UniqueConstraint(fields=["criteria_set", "code"], name="par_criterion_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Cycle(models.Model):
    """One year's assessment with a criteria set, organised by a unit (e.g. the Department of Home
    Affairs of a province, or the Ministry of Home Affairs)."""

    criteria_set = models.ForeignKey(CriteriaSet, on_delete=models.PROTECT, related_name="cycles")
    organiser = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=200)
    self_deadline = models.DateTimeField(_("self-assessment deadline"))
    response_days = models.PositiveSmallIntegerField(
        _("days to respond to the preliminary result"), default=7
    )
    survey_run = models.ForeignKey(
        "indices.EstimationRun", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    previous = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return self.name


class Assessment(models.Model):
    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="assessments")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=16, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    preliminary_at = models.DateTimeField(null=True, blank=True)
    response_deadline = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    final_at = models.DateTimeField(null=True, blank=True)
    # Frozen when final (for ranking and the portal): points, index, group, component indices.
    total = models.FloatField(null=True, blank=True)
    index = models.FloatField(null=True, blank=True)
    group = models.CharField(max_length=8, blank=True)
    fields = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["cycle_id", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["cycle", "unit"], name="par_assessment_cycle_unit")]

    def __str__(self) -> str:
        return f"{self.cycle} — {self.unit}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("parindex:assessment", args=[self.pk])


class Score(models.Model):
    """One sub-criterion of one assessment: the unit's value and points, the appraised points."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    self_value = models.FloatField(null=True, blank=True)
    self_points = models.FloatField(null=True, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    penalties = models.JSONField(default=list, blank=True)  # codes of the criterion's penalties applied
    appraised_points = models.FloatField(null=True, blank=True)
    appraisal_reason = models.TextField(_("reason"), blank=True)
    response = models.TextField(_("unit's response"), blank=True)
    final_points = models.FloatField(null=True, blank=True)
    # Survey-scored leaves: points converted from the published survey (never self-scored).
    survey_points = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["assessment_id", "criterion__order"]
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="par_score_unique")]

    def __str__(self) -> str:
        return f"{self.assessment_id}:{self.criterion_id} = {self.points}"

    @property
    def points(self) -> float | None:
        """The points that count now: survey points for survey leaves; else final, appraised, self."""
        if self.criterion.method == "survey":
            return self.survey_points
        for value in (self.final_points, self.appraised_points, self.self_points):
            if value is not None:
                return value
        return None


class ScoreChange(models.Model):
    """Append-only: every change of a score's points, by whom, at which stage, and why."""

    score = models.ForeignKey(Score, on_delete=models.CASCADE, related_name="changes")
    stage = models.CharField(max_length=16, choices=ChangeStage.choices)
    old_points = models.FloatField(null=True, blank=True)
    new_points = models.FloatField(null=True, blank=True)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.stage}: {self.old_points} → {self.new_points}"


class AppraiserAssignment(models.Model):
    """An appraiser of a cycle, for one unit or one field (or both narrowed together)."""

    cycle = models.ForeignKey(Cycle, on_delete=models.CASCADE, related_name="appraisers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    field = models.ForeignKey(Criterion, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.cycle_id}"


class _EvidenceStorage(LazyObject):
    def _setup(self):
        self._wrapped = FileSystemStorage(
            location=Path(settings.MEDIA_ROOT) / "parindex-evidence", base_url=None
        )


_evidence_storage = _EvidenceStorage()


def evidence_storage():
    # A callable, so migrations name it instead of freezing this machine's MEDIA_ROOT path.
    return _evidence_storage


def _evidence_path(instance, filename: str) -> str:
    # Never the uploaded name on disk: a random name, the checked extension.
    return f"{instance.assessment_id}/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:8]}"


class Evidence(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="evidence")
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(storage=evidence_storage, upload_to=_evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    stage = models.CharField(max_length=16, choices=ChangeStage.choices, default=ChangeStage.SELF)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.original_name
