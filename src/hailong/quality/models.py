"""Quality control of responses: per-campaign thresholds, the flags the checks raise, and reviewers'
decisions.

``QualitySettings`` holds one campaign's thresholds (every default is documented in
docs/quality.md). ``QualityFlag`` rows are recomputed as a whole by ``services.flags_compute``:
they describe the data, never a decision. ``ReviewDecision`` rows are the decisions, append-only:
changing one's mind adds a row, the latest row is the response's current decision, and the
response's ``status`` follows it (only approved responses count in the indices).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hailong.core.models import TimeStampedModel
from hailong.quality.checks import DEFAULT_PROFILE_RULES, Thresholds
from hailong.quality.choices import ComputeState, Decision, FlagKind, Severity

_DEFAULTS = Thresholds()


def default_kinds() -> list[str]:
    return list(FlagKind.values)


def default_profile_rules() -> list[dict]:
    return [dict(rule) for rule in DEFAULT_PROFILE_RULES]


class QualitySettings(TimeStampedModel):
    """The thresholds of the checks for one campaign (created with the defaults when first needed)."""

    campaign = models.OneToOneField(
        "campaigns.Campaign", on_delete=models.CASCADE, related_name="quality_settings"
    )
    enabled_kinds = models.JSONField(_("checks to run"), default=default_kinds)
    dossier_question = models.CharField(
        _("question holding the dossier code"),
        max_length=100,
        blank=True,
        help_text=_("Leave empty to look for ma_ho_so, so_ho_so or dossier_code."),
    )
    speeder_ratio = models.FloatField(
        _("speeder: share of the median duration"), default=_DEFAULTS.speeder_ratio
    )
    speeder_min_responses = models.PositiveIntegerField(
        _("speeder: responses needed for a median"), default=_DEFAULTS.speeder_min_responses
    )
    straight_min_items = models.PositiveIntegerField(
        _("straight-lining: answers needed"), default=_DEFAULTS.straight_min_items
    )
    period_grace_days = models.PositiveIntegerField(
        _("days of grace around the collection period"), default=_DEFAULTS.period_grace_days
    )
    interviewer_z = models.FloatField(_("interviewer: robust z-score limit"), default=_DEFAULTS.interviewer_z)
    interviewer_min_interviewers = models.PositiveIntegerField(
        _("interviewer: interviewers needed"), default=_DEFAULTS.interviewer_min_interviewers
    )
    interviewer_min_responses = models.PositiveIntegerField(
        _("interviewer: responses needed per interviewer"), default=_DEFAULTS.interviewer_min_responses
    )
    interviewer_p_value = models.FloatField(
        _("interviewer: chi-square p-value limit"), default=_DEFAULTS.interviewer_p_value
    )
    profile_rules = models.JSONField(_("impossible profiles"), default=default_profile_rules, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The state of the last computation of the flags (inline or in the background).
    compute_state = models.CharField(max_length=16, choices=ComputeState.choices, default=ComputeState.NEVER)
    computed_at = models.DateTimeField(_("flags computed at"), null=True, blank=True)
    # The highest response id the last computation saw: "approve every unflagged response" never
    # approves a response that arrived after the checks ran.
    computed_max_response_id = models.BigIntegerField(null=True, blank=True)
    computed_responses = models.PositiveIntegerField(default=0)
    compute_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("quality settings")
        verbose_name_plural = _("quality settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(speeder_ratio__gt=0) & Q(speeder_ratio__lt=1), name="quality_speeder_ratio_range"
            ),
            models.CheckConstraint(
                condition=Q(interviewer_p_value__gt=0) & Q(interviewer_p_value__lt=1),
                name="quality_p_value_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign}"

    def thresholds(self) -> Thresholds:
        return Thresholds(
            kinds=frozenset(self.enabled_kinds or ()),
            dossier_question=self.dossier_question,
            speeder_ratio=self.speeder_ratio,
            speeder_min_responses=self.speeder_min_responses,
            straight_min_items=self.straight_min_items,
            period_grace_days=self.period_grace_days,
            interviewer_z=self.interviewer_z,
            interviewer_min_interviewers=self.interviewer_min_interviewers,
            interviewer_min_responses=self.interviewer_min_responses,
            interviewer_p_value=self.interviewer_p_value,
            profile_rules=tuple(self.profile_rules or ()),
        )


class QualityFlag(models.Model):
    response = models.ForeignKey(
        "collection.Response", on_delete=models.CASCADE, related_name="quality_flags"
    )
    # Denormalised from the response: the queue and the recomputation work per campaign without
    # joining the (large, insert-heavy) responses table.
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="quality_flags")
    kind = models.CharField(_("kind"), max_length=24, choices=FlagKind.choices)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=Severity.choices)
    # A short sentence with the numbers, in both languages: {"vi": "...", "en": "..."}.
    explanation = models.JSONField(_("explanation"), default=dict)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("quality flag")
        verbose_name_plural = _("quality flags")
        ordering = ["response_id", "-severity", "kind"]
        constraints = [models.UniqueConstraint(fields=["response", "kind"], name="quality_flag_unique")]
        indexes = [models.Index(fields=["campaign", "kind"], name="quality_flag_campaign_kind_idx")]

    def __str__(self) -> str:
        return f"{self.response_id}:{self.kind}"


class ReviewDecision(models.Model):
    response = models.ForeignKey(
        "collection.Response", on_delete=models.CASCADE, related_name="review_decisions"
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    from_status = models.CharField(_("status before"), max_length=16)
    to_status = models.CharField(_("status after"), max_length=16)
    # The kinds of flag the response carried when decided (the flags themselves are recomputed).
    flags = models.JSONField(_("flags at the time"), default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), auto_now_add=True)
    # Decisions taken together (a selection, everything matching a filter, every unflagged
    # response) share a batch id; a decision on one response has none.
    batch = models.UUIDField(_("batch"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        ordering = ["response_id", "decided_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(decision="reject") | ~Q(reason=""), name="review_reject_has_reason"
            )
        ]

    def __str__(self) -> str:
        return f"{self.response_id}: {self.decision}"
