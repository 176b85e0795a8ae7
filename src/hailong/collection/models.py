"""Channels and the answers they bring in.

Every response carries a client-generated ``instance_id`` (unique): a retried, double-clicked or
re-sent submission is stored once. Answers live in one JSON field; a respondent's name, phone and
address (when a channel collects them) live apart in ``ResponseContact``, readable only with the
``personal_data.view`` permission. A submission that fails validation is never dropped: it is kept
with its errors in ``RejectedSubmission`` for review.
"""

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hailong.core.models import TimeStampedModel


def new_link_token() -> str:
    # Short enough to type from a poster; 10 url-safe characters ≈ 60 bits.
    return secrets.token_urlsafe(8)[:10]


def new_secret_token() -> str:
    return secrets.token_urlsafe(18)


def new_resume_code() -> str:
    # Easy to copy by hand: no 0/O/1/I/L.
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


class Channel(models.TextChoices):
    WEB = "web", _("Public web link")
    QR = "qr", _("QR code at the counter")
    INVITATION = "invitation", _("Personal invitation")
    INTERVIEWER = "interviewer", _("Interviewer")
    PAPER = "paper", _("Paper form, typed in")
    ODK = "odk", _("ODK Collect / Enketo")
    API = "api", _("Another system (API)")


class ResponseStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    # Held by a reviewer for a closer look (a back-check call, say); counts in no index meanwhile.
    ON_HOLD = "on_hold", _("On hold")


class PublicLink(TimeStampedModel):
    """The open link (and QR code) of one participating unit, or of one service point of it."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="links")
    unit = models.ForeignKey("units.Unit", verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+")
    service_point = models.ForeignKey(
        "units.Unit",
        verbose_name=_("service point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    token = models.CharField(max_length=16, unique=True, default=new_link_token)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["campaign_id", "unit_id", "service_point_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "unit", "service_point"], name="public_link_unique")
        ]

    def __str__(self) -> str:
        return f"{self.unit.name}{' — ' + self.service_point.name if self.service_point_id else ''}"


class Invitation(TimeStampedModel):
    """A personal, one-time link: its token answers once."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="invitations")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    token = models.CharField(max_length=32, unique=True, default=new_secret_token)
    sent_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["campaign_id", "id"]


class InvitationContact(models.Model):
    """Personal data of an invited person, apart from any answer."""

    invitation = models.OneToOneField(Invitation, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name or self.email or self.phone


class Assignment(TimeStampedModel):
    """An interviewer's share of the fieldwork: a unit of a campaign and how many forms."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="assignments")
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    target = models.PositiveIntegerField(_("target forms"), default=0)

    class Meta:
        ordering = ["campaign_id", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "interviewer", "unit"], name="assignment_unique")
        ]


class Response(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    instance_id = models.CharField(max_length=100, unique=True)
    # Single-column indexes are left off the foreign keys that the composite indexes below already
    # cover or that nothing filters on: this table takes the platform's heaviest insert load, and
    # every index is work on every insert.
    campaign = models.ForeignKey(
        "campaigns.Campaign", on_delete=models.PROTECT, related_name="responses", db_index=False
    )
    version = models.ForeignKey(
        "methodology.QuestionnaireVersion", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+", db_index=False)
    service_point = models.ForeignKey(
        "units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    public_link = models.ForeignKey(
        PublicLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    paper_form_number = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, default="vi")
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)
    answers = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=ResponseStatus.choices, default=ResponseStatus.SUBMITTED)
    # Collection context that is not an answer (client, form engine…); never personal data.
    meta = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["campaign", "unit"], name="response_campaign_unit_idx"),
            models.Index(fields=["campaign", "status"], name="response_campaign_status_idx"),
            models.Index(
                fields=["public_link"],
                name="response_link_idx",
                condition=models.Q(public_link__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.instance_id


class ResponseContact(models.Model):
    """A respondent's personal data (only when a channel asks for it), apart from the answers."""

    response = models.OneToOneField(Response, on_delete=models.CASCADE, related_name="contact")
    name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.name or self.phone


class ReviewStatus(models.TextChoices):
    OPEN = "open", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted after review")
    DISCARDED = "discarded", _("Discarded")


class RejectedSubmission(models.Model):
    """A submission that failed validation, kept whole with its errors until someone reviews it."""

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    instance_id = models.CharField(max_length=100, blank=True, db_index=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.CASCADE, related_name="rejections"
    )
    unit = models.ForeignKey("units.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    payload = models.JSONField(default=dict)
    errors = models.JSONField(default=list)
    status = models.CharField(max_length=16, choices=ReviewStatus.choices, default=ReviewStatus.OPEN)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    response = models.ForeignKey(Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.instance_id}"


class Draft(models.Model):
    """Answers saved part-way (save and resume). The resume code is the only key a respondent needs."""

    code = models.CharField(max_length=12, unique=True, default=new_resume_code)
    instance_id = models.CharField(max_length=100)
    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="drafts")
    unit = models.ForeignKey("units.Unit", on_delete=models.CASCADE, related_name="+")
    public_link = models.ForeignKey(
        PublicLink, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    invitation = models.ForeignKey(
        Invitation, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    channel = models.CharField(max_length=16, choices=Channel.choices)
    answers = models.JSONField(default=dict)
    language = models.CharField(max_length=8, default="vi")
    started_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return self.code


class PaperEntry(models.Model):
    """One typing of one paper form. With double entry, two people type each form independently."""

    campaign = models.ForeignKey("campaigns.Campaign", on_delete=models.CASCADE, related_name="paper_entries")
    unit = models.ForeignKey("units.Unit", on_delete=models.PROTECT, related_name="+")
    form_number = models.CharField(_("form number"), max_length=40)
    entry = models.PositiveSmallIntegerField(choices=[(1, _("First entry")), (2, _("Second entry"))])
    answers = models.JSONField(default=dict)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(auto_now_add=True)
    response = models.ForeignKey(
        Response, null=True, blank=True, on_delete=models.SET_NULL, related_name="paper_entries"
    )

    class Meta:
        ordering = ["campaign_id", "form_number", "entry"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "form_number", "entry"], name="paper_entry_unique")
        ]

    def __str__(self) -> str:
        return f"{self.form_number}/{self.entry}"
