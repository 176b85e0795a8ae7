"""Questionnaires as versioned data.

A ``Questionnaire`` is a family (e.g. "SIPAS — service users"); each ``QuestionnaireVersion`` holds
a complete definition: criteria tree, sections, questions, choice lists and the scoring settings the
indices will use. A published version never changes (services refuse every write to it); editing
makes a new draft version. Every response records the version it answered.

Texts are stored per language as ``{"vi": "...", "en": "..."}`` (plus any other language an imported
XLSForm carried, so exporting gives the same form back). ``text_in(texts, lang)`` picks one.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hailong.core.models import TimeStampedModel
from hailong.core.texts import text_in
from hailong.methodology.choices import (
    CriterionLevel,
    Measure,
    QuestionKind,
    VersionSource,
    VersionStatus,
    WordingSource,
)


class Questionnaire(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    title = models.JSONField(_("title"), default=dict)
    owner = models.ForeignKey(
        "units.Unit", verbose_name=_("owner unit"), on_delete=models.PROTECT, related_name="+"
    )
    template_key = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code"]

    def __str__(self) -> str:
        return text_in(self.title) or self.code


class QuestionnaireVersion(TimeStampedModel):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.JSONField(_("title"), default=dict)
    # XForm identity (settings sheet form_id / version) so ODK clients and exports stay stable.
    form_id = models.CharField(_("form id"), max_length=100)
    form_version = models.CharField(_("form version"), max_length=40, blank=True)
    default_language = models.CharField(max_length=16, default="vi")
    # Language key → the column spelling of the imported file ("vi" → "Vietnamese (vi)").
    languages = models.JSONField(default=dict, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=VersionSource.choices)
    source_filename = models.CharField(max_length=255, blank=True)
    based_on = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("based on")
    )
    # Scoring parameters the indices read (scale codes, aggregation mode…): methodology as data.
    scoring = models.JSONField(_("scoring settings"), default=dict, blank=True)
    # Other settings-sheet columns, kept for a faithful export.
    form_settings = models.JSONField(default=dict, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SHA-256 of the canonical definition, fixed at publication: results cite it.
    fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("questionnaire version")
        verbose_name_plural = _("questionnaire versions")
        ordering = ["questionnaire_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "number"], name="questionnaire_version_unique"),
            models.UniqueConstraint(
                fields=["questionnaire"],
                condition=Q(status="draft"),
                name="questionnaire_one_draft",
            ),
        ]

    def __str__(self) -> str:
        return f"{text_in(self.title) or self.questionnaire.code} — v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.status != VersionStatus.DRAFT


class Criterion(models.Model):
    """A node of the criteria tree: pillar → element → criterion → sub-criterion."""

    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="criteria")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    code = models.CharField(_("code"), max_length=32)
    level = models.CharField(_("level"), max_length=16, choices=CriterionLevel.choices)
    name = models.JSONField(_("name"), default=dict)
    order = models.PositiveIntegerField(default=0)
    weight = models.DecimalField(_("weight"), max_digits=8, decimal_places=4, default=1)
    wording = models.CharField(max_length=16, choices=WordingSource.choices, default=WordingSource.DEFAULT)

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["version_id", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "code"], name="criterion_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {text_in(self.name)}"


class ChoiceList(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="choice_lists")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["version_id", "name"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="choice_list_unique")]

    def __str__(self) -> str:
        return self.name


class Choice(models.Model):
    choice_list = models.ForeignKey(ChoiceList, on_delete=models.CASCADE, related_name="choices")
    order = models.PositiveIntegerField(default=0)
    value = models.CharField(max_length=255)
    label = models.JSONField(default=dict)
    # Other columns of the choices sheet (filters for choice_filter, media…), kept for export.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["choice_list_id", "order"]
        constraints = [models.UniqueConstraint(fields=["choice_list", "value"], name="choice_value_unique")]

    def __str__(self) -> str:
        return f"{self.value} {text_in(self.label)}"


class Section(models.Model):
    """A group of questions (an XLSForm group or repeat). Sections may nest."""

    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="subsections"
    )
    order = models.PositiveIntegerField(default=0)
    name = models.CharField(max_length=100)
    label = models.JSONField(default=dict, blank=True)
    relevant = models.TextField(blank=True)
    repeat = models.BooleanField(default=False)
    appearance = models.CharField(max_length=100, blank=True)
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["version_id", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="section_name_unique")]

    def __str__(self) -> str:
        return text_in(self.label) or self.name


class Question(models.Model):
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.CASCADE, related_name="questions")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    # Position in the whole form (sections and questions interleave in XLSForm order).
    order = models.PositiveIntegerField(default=0)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=QuestionKind.choices)
    # The XLSForm type as written ("select_one sat5", "integer", "start"), for a faithful export.
    xlsform_type = models.CharField(max_length=120, blank=True)
    label = models.JSONField(_("label"), default=dict, blank=True)
    hint = models.JSONField(_("hint"), default=dict, blank=True)
    required = models.BooleanField(_("required"), default=False)
    required_message = models.JSONField(default=dict, blank=True)
    relevant = models.TextField(_("shown only when"), blank=True)
    constraint = models.TextField(_("constraint"), blank=True)
    constraint_message = models.JSONField(default=dict, blank=True)
    calculation = models.TextField(blank=True)
    default = models.CharField(max_length=255, blank=True)
    appearance = models.CharField(max_length=100, blank=True)
    choice_list = models.ForeignKey(
        ChoiceList, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    choice_filter = models.TextField(blank=True)
    parameters = models.JSONField(default=dict, blank=True)
    criterion = models.ForeignKey(
        Criterion, null=True, blank=True, on_delete=models.SET_NULL, related_name="questions"
    )
    measure = models.CharField(_("measures"), max_length=16, choices=Measure.choices, blank=True)
    wording = models.CharField(max_length=16, choices=WordingSource.choices, default=WordingSource.DEFAULT)
    # Other survey-sheet columns (media, bind::*, custom columns), kept for export.
    extra = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["version_id", "order"]
        constraints = [models.UniqueConstraint(fields=["version", "name"], name="question_name_unique")]

    def __str__(self) -> str:
        return f"{self.name}: {text_in(self.label)}"
