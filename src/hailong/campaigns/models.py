"""A campaign: one questionnaire version, one year, an organising unit, the units it assesses with a
target number of forms each, a collection period, and a life cycle draft → open → closed → archived."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hailong.core.models import TimeStampedModel
from hailong.methodology.models import text_in


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open for answers")
    CLOSED = "closed", _("Closed")
    ARCHIVED = "archived", _("Archived")


# The allowed moves of the life cycle. Re-opening a closed campaign (late paper forms) is allowed.
TRANSITIONS: dict[str, frozenset[str]] = {
    CampaignStatus.DRAFT: frozenset({CampaignStatus.OPEN}),
    CampaignStatus.OPEN: frozenset({CampaignStatus.CLOSED}),
    CampaignStatus.CLOSED: frozenset({CampaignStatus.OPEN, CampaignStatus.ARCHIVED}),
    CampaignStatus.ARCHIVED: frozenset(),
}


class Campaign(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.JSONField(_("name"), default=dict)
    year = models.PositiveSmallIntegerField(_("year"))
    version = models.ForeignKey(
        "methodology.QuestionnaireVersion",
        verbose_name=_("questionnaire version"),
        on_delete=models.PROTECT,
        related_name="campaigns",
    )
    organiser = models.ForeignKey(
        "units.Unit", verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("collection starts"))
    ends_on = models.DateField(_("collection ends"))
    status = models.CharField(
        _("status"), max_length=16, choices=CampaignStatus.choices, default=CampaignStatus.DRAFT
    )
    default_target = models.PositiveIntegerField(_("default target per unit"), default=0)
    # Whether paper forms are typed twice by different people and compared.
    double_entry = models.BooleanField(_("double entry of paper forms"), default=False)

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_ordered"
            )
        ]

    def __str__(self) -> str:
        return text_in(self.name) or self.code

    @property
    def is_open(self) -> bool:
        return self.status == CampaignStatus.OPEN


class CampaignUnit(models.Model):
    """A unit the campaign assesses, with its target number of completed forms."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="participants")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    target = models.PositiveIntegerField(_("target forms"), default=0)

    class Meta:
        verbose_name = _("participating unit")
        verbose_name_plural = _("participating units")
        ordering = ["campaign_id", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "unit"], name="campaign_unit_unique")]

    def __str__(self) -> str:
        return f"{self.campaign} — {self.unit.name}"


class CampaignStatusChange(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, choices=CampaignStatus.choices)
    to_status = models.CharField(max_length=16, choices=CampaignStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["campaign_id", "changed_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"
