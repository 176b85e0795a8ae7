"""Sample frames (lists of completed dossiers), samples drawn from them, and the people sampled.

A ``Frame`` is one imported file of completed dossiers for a campaign. Each row becomes a
``FrameRecord`` (what the dossier was: procedure, field, handling unit, dates, applicant type); the
applicant's name, phone, e-mail and address live apart in ``FrameContact`` — readable only with
``personal_data.view``, logged when read, and deleted when the campaign closes (``Frame.purged_at``
records that it was).

A ``Sample`` is a plan (strata, sizes, method, seed) and, once drawn, its ``SampledPerson`` rows:
each with the stratum, the inclusion probability (so design weights follow), whether it is a reserve
(and its place in the reserve list), and its fieldwork status with a history
(``SampledPersonEvent``). Drawing again with the recorded seed gives the same people.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hailong.core.models import TimeStampedModel
from hailong.sampling.choices import (
    ENCODING_LABELS,
    AllocationMethod,
    ApplicantType,
    FieldChannel,
    FrameStatus,
    PersonStatus,
    SampleStatus,
    SelectionMethod,
)


class Frame(TimeStampedModel):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="frames"
    )
    name = models.CharField(_("name"), max_length=200)
    source_filename = models.CharField(_("file"), max_length=255, blank=True)
    # The uploaded file while it waits for (and goes through) the import; deleted afterwards, since
    # it holds personal data that must live only in ``FrameContact``.
    source_file = models.FileField(upload_to="sampling/uploads/", blank=True)
    # All or nothing (False, the default): one bad row and nothing is imported. True: the valid rows
    # are imported and the bad ones skipped (and reported) — the manager's explicit choice.
    skip_invalid_rows = models.BooleanField(_("skip the bad rows"), default=False)
    encoding = models.CharField(_("text encoding"), max_length=32, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=FrameStatus.choices, default=FrameStatus.IMPORTING
    )
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    rows_imported = models.PositiveIntegerField(_("rows imported"), default=0)
    rows_rejected = models.PositiveIntegerField(_("rows rejected"), default=0)
    duplicates = models.PositiveIntegerField(_("duplicate dossiers"), default=0)
    # The first problems, for the page; every problem is in ``error_report`` (a CSV to download).
    errors_preview = models.JSONField(default=list, blank=True)
    error_report = models.FileField(upload_to="sampling/reports/", blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(_("import finished at"), null=True, blank=True)
    purged_at = models.DateTimeField(_("personal data purged at"), null=True, blank=True)
    purged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("sample frame")
        verbose_name_plural = _("sample frames")
        ordering = ["campaign_id", "-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_importing(self) -> bool:
        return self.status == FrameStatus.IMPORTING

    @property
    def is_ready(self) -> bool:
        return self.status == FrameStatus.READY

    @property
    def encoding_label(self) -> str:
        return ENCODING_LABELS.get(self.encoding, self.encoding)


class FrameRecord(models.Model):
    """One completed dossier: the unit of the frame."""

    # A frame is loaded a million rows at a time (docs/sampling.md, "Speed"), and every index and
    # foreign-key check costs on each row: the frame is covered by the two composite indexes below;
    # records are never looked up by unit across frames (deleting a unit scans, which is rare); the
    # unit is not checked by the database either — the import writes only ids of units it resolved.
    frame = models.ForeignKey(Frame, on_delete=models.CASCADE, related_name="records", db_index=False)
    row_number = models.PositiveIntegerField(_("row"))
    dossier_code = models.CharField(_("dossier code"), max_length=100)
    procedure = models.CharField(_("procedure"), max_length=500, blank=True)
    procedure_field = models.CharField(_("procedure field"), max_length=100, blank=True)
    unit = models.ForeignKey(
        "units.Unit",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    received_on = models.DateField(_("received on"), null=True, blank=True)
    returned_on = models.DateField(_("result returned on"), null=True, blank=True)
    applicant_type = models.CharField(_("applicant type"), max_length=16, choices=ApplicantType.choices)

    class Meta:
        verbose_name = _("frame record")
        verbose_name_plural = _("frame records")
        ordering = ["frame_id", "row_number"]
        constraints = [models.UniqueConstraint(fields=["frame", "dossier_code"], name="frame_dossier_unique")]
        indexes = [models.Index(fields=["frame", "unit"], name="frame_record_unit_idx")]

    def __str__(self) -> str:
        return self.dossier_code


class FrameContact(models.Model):
    """The applicant's personal data, apart from everything else and purged after fieldwork."""

    # Written with its record in the same batch, so the database does not check it row by row.
    record = models.OneToOneField(
        FrameRecord, primary_key=True, on_delete=models.CASCADE, related_name="contact", db_constraint=False
    )
    name = models.CharField(_("name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name or self.phone


class Sample(TimeStampedModel):
    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="samples"
    )
    frame = models.ForeignKey(
        Frame, verbose_name=_("frame"), on_delete=models.PROTECT, related_name="samples"
    )
    name = models.CharField(_("name"), max_length=200)
    method = models.CharField(
        _("selection method"),
        max_length=16,
        choices=SelectionMethod.choices,
        default=SelectionMethod.STRATIFIED,
    )
    # Frame fields that define the strata, e.g. ["unit", "procedure_field", "applicant_type"].
    strata_by = models.JSONField(_("strata"), default=list)
    allocation_method = models.CharField(
        _("allocation"), max_length=16, choices=AllocationMethod.choices, default=AllocationMethod.SIZE_RULE
    )
    # Sample-size and allocation settings: margin, confidence, proportion, design effect, minimum,
    # response rate, rule (cochran | yamane), total, power.
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    # The table the manager reviews and may adjust before drawing:
    # [{"stratum": key, "label": text, "population": N, "computed": n, "size": n}, …]
    allocation = models.JSONField(_("allocation"), default=list, blank=True)
    reserve_per_stratum = models.PositiveIntegerField(_("reserve per stratum"), default=0)
    seed = models.BigIntegerField(_("random seed"))
    status = models.CharField(
        _("status"), max_length=16, choices=SampleStatus.choices, default=SampleStatus.PLANNED
    )
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        ordering = ["campaign_id", "-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_drawn(self) -> bool:
        return self.status == SampleStatus.DRAWN


class SampledPerson(models.Model):
    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="people")
    record = models.ForeignKey(FrameRecord, on_delete=models.PROTECT, related_name="+")
    # The unit the person's answers are about (the record's handling unit), kept for fast filters.
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    stratum = models.CharField(_("stratum"), max_length=300)
    # Inclusion probability of the selection; the design weight is 1 / probability.
    probability = models.FloatField(_("inclusion probability"))
    is_reserve = models.BooleanField(_("reserve"), default=False)
    reserve_rank = models.PositiveIntegerField(_("place in the reserve list"), null=True, blank=True)
    replaces = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaced_by"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=PersonStatus.choices, default=PersonStatus.PENDING
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=FieldChannel.choices, default=FieldChannel.UNASSIGNED
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sampled_people",
    )
    invitation = models.OneToOneField(
        "collection.Invitation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sampled_person",
    )
    response = models.OneToOneField(
        "collection.Response", null=True, blank=True, on_delete=models.SET_NULL, related_name="sampled_person"
    )
    status_changed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sampled person")
        verbose_name_plural = _("sampled people")
        ordering = ["sample_id", "stratum", "is_reserve", "reserve_rank", "id"]
        constraints = [models.UniqueConstraint(fields=["sample", "record"], name="sampled_record_unique")]
        indexes = [
            models.Index(fields=["sample", "unit", "status"], name="sampled_unit_status_idx"),
            models.Index(fields=["interviewer", "status"], name="sampled_interviewer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sample_id}:{self.record_id}"

    @property
    def weight(self) -> float:
        return 1.0 / self.probability if self.probability else 0.0


class SampledPersonEvent(models.Model):
    """One change of a sampled person's status, channel or interviewer: the fieldwork history."""

    person = models.ForeignKey(SampledPerson, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, choices=PersonStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=PersonStatus.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
