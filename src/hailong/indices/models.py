"""Estimation runs and the figures they froze.

An ``EstimationRun`` computes every index of a campaign's questionnaire version for every unit, every
unit type and the whole campaign, from the responses counted when it ran. Once ``done`` it never
changes (services refuse every write to it): its ``inputs_fingerprint`` (SHA-256 of the counted
responses, their weights, the version and the parameters) says exactly what it was computed from, so
running again on the same inputs gives the same fingerprint and the same numbers.

``EstimateValue`` rows hold the figures (proportions 0–1, not percentages), ``ChoiceShareValue`` rows
the shares of answers to expectation and categorical questions. ``PopulationTotal`` rows are the
completed dossiers per unit and procedure field, to which post-stratified runs calibrate.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hailong.indices.choices import DomainKind, FigureKind, GapFlag, RunStatus


class EstimationRun(models.Model):
    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("campaign"),
        on_delete=models.PROTECT,
        related_name="estimation_runs",
    )
    version = models.ForeignKey(
        "methodology.QuestionnaireVersion",
        verbose_name=_("questionnaire version"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    progress_text = models.CharField(max_length=200, blank=True)
    # aggregation, interval method and level, weighting, counted statuses, map_to (lineage day)…
    parameters = models.JSONField(_("parameters"), default=dict)
    inputs_fingerprint = models.CharField(_("inputs fingerprint"), max_length=64, blank=True)
    # False for a re-estimation of an earlier campaign on today's units (through unit lineage).
    official = models.BooleanField(_("official"), default=True)
    n_responses = models.PositiveIntegerField(_("responses counted"), default=0)
    n_units = models.PositiveIntegerField(_("units estimated"), default=0)
    # Things the reader must know that did not stop the run (units without a successor, …).
    warnings = models.JSONField(default=list, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("estimation run")
        verbose_name_plural = _("estimation runs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "status"], name="run_campaign_status_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="run_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — #{self.pk}"

    @property
    def is_done(self) -> bool:
        return self.status == RunStatus.DONE

    @property
    def is_active(self) -> bool:
        return self.status in (RunStatus.QUEUED, RunStatus.RUNNING)


class EstimateValue(models.Model):
    """One figure of one domain: an item's satisfaction rate, a criterion's index or the overall index."""

    # No index of its own: every index below starts with the run (one less index to maintain for
    # the 10⁵ rows a run writes).
    run = models.ForeignKey(EstimationRun, on_delete=models.CASCADE, related_name="values", db_index=False)
    domain = models.CharField(max_length=16, choices=DomainKind.choices)
    # The unit of a ``unit`` domain; empty for the unit-type and whole-campaign domains.
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The ranking group (``indices.choices.ranking_group``) of the unit, or of a ``unit_type`` domain.
    unit_type = models.CharField(max_length=32, blank=True)
    # A ``breakdown`` domain: what respondents are cut by ("channel" or a profile question's name) and
    # the category (a channel or a choice value); empty for the other domains.
    breakdown = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=255, blank=True)
    kind = models.CharField(max_length=16, choices=FigureKind.choices)
    # A question name (items), a criterion code (nodes), empty (overall).
    code = models.CharField(max_length=100, blank=True)
    # What an item measures (satisfaction, element_overall, overall, perception); a node's level.
    measure = models.CharField(max_length=16, blank=True)
    # Position in the method (criteria order), for display.
    order = models.PositiveIntegerField(default=0)
    estimate = models.FloatField(null=True, blank=True)
    se = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField(default=0)
    unweighted = models.FloatField(null=True, blank=True)
    # Overall figures of units: competition rank within the unit type (ties share a rank), and the
    # groups of units not significantly different from each other (1 = the best group).
    rank = models.PositiveIntegerField(null=True, blank=True)
    rank_groups = models.JSONField(default=list, blank=True)
    # Units: the difference from the whole campaign's figure, its standard error, and the verdict.
    gap = models.FloatField(null=True, blank=True)
    gap_se = models.FloatField(null=True, blank=True)
    gap_flag = models.CharField(max_length=8, choices=GapFlag.choices, blank=True)

    class Meta:
        ordering = ["run_id", "domain", "unit_type", "unit_id", "order"]
        indexes = [
            models.Index(fields=["run", "domain", "kind"], name="value_run_domain_idx"),
            models.Index(fields=["run", "unit"], name="value_run_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.domain}:{self.unit_id or self.unit_type} {self.kind}:{self.code} = {self.estimate}"


class ChoiceShareValue(models.Model):
    """The share of respondents (who answered) choosing one answer of an expectation or categorical
    question — for a ranking, the share putting it first."""

    run = models.ForeignKey(
        EstimationRun, on_delete=models.CASCADE, related_name="choice_shares", db_index=False
    )
    domain = models.CharField(max_length=16, choices=DomainKind.choices)
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    unit_type = models.CharField(max_length=32, blank=True)
    breakdown = models.CharField(max_length=100, blank=True)
    category = models.CharField(max_length=255, blank=True)
    question = models.CharField(max_length=100)
    choice = models.CharField(max_length=255)
    order = models.PositiveIntegerField(default=0)
    estimate = models.FloatField(null=True, blank=True)
    se = models.FloatField(null=True, blank=True)
    ci_low = models.FloatField(null=True, blank=True)
    ci_high = models.FloatField(null=True, blank=True)
    n = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["run_id", "domain", "unit_type", "unit_id", "order"]
        indexes = [models.Index(fields=["run", "domain", "unit"], name="share_run_domain_idx")]

    def __str__(self) -> str:
        return f"{self.question}={self.choice}: {self.estimate}"


class Publication(models.Model):
    """A frozen run made public: the portal and open data read only the runs published here.

    A campaign has at most one live publication; publishing another run of it withdraws the earlier
    one (``withdrawn_at``). Published figures with fewer than ``min_respondents`` valid respondents are
    suppressed everywhere outside (small-cell disclosure control)."""

    run = models.OneToOneField(EstimationRun, on_delete=models.PROTECT, related_name="publication")
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.PROTECT, related_name="publications")
    min_respondents = models.PositiveSmallIntegerField(_("minimum respondents per published figure"))
    note = models.TextField(_("note to readers"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"))
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawal"), blank=True)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign"], condition=Q(withdrawn_at__isnull=True), name="publication_one_live"
            )
        ]

    def __str__(self) -> str:
        return f"{self.campaign} — #{self.run_id}"

    @property
    def is_live(self) -> bool:
        return self.withdrawn_at is None


class PopulationTotal(models.Model):
    """Completed dossiers of a participating unit in one procedure field (the post-strata)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="population_totals"
    )
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    # A choice value of the questionnaire's procedure-field question, e.g. ``dat_dai``.
    field = models.CharField(_("procedure field"), max_length=100)
    count = models.PositiveIntegerField(_("completed dossiers"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("population total")
        verbose_name_plural = _("population totals")
        ordering = ["campaign_id", "unit_id", "field"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "field"], name="population_total_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.field}: {self.count}"
