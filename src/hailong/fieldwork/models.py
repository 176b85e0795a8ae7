"""Interviewer teams and the reminders sent to sampled people.

The sampled people themselves, their status, channel, interviewer, personal link and history live in
``sampling`` (``SampledPerson``, ``SampledPersonEvent``); this app changes them only through
``fieldwork.services``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from hailong.core.models import TimeStampedModel
from hailong.fieldwork.choices import ReminderChannel, ReminderStatus


class InterviewerTeam(TimeStampedModel):
    """Volunteer interviewers of a campaign working in one unit (a commune, a department…)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="teams"
    )
    name = models.CharField(_("team name"), max_length=150)
    unit = models.ForeignKey(
        "units.Unit", verbose_name=_("works in"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team leader"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("interviewer team")
        verbose_name_plural = _("interviewer teams")
        ordering = ["campaign_id", "name"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="team_name_unique")]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(InterviewerTeam, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        ordering = ["team_id", "user__username"]
        constraints = [models.UniqueConstraint(fields=["team", "user"], name="team_member_unique")]

    def __str__(self) -> str:
        return f"{self.team} — {self.user}"


class Reminder(models.Model):
    """One reminder to a sampled person who has not answered yet: an e-mail (sent by a background
    task through Django's e-mail backend) or an SMS (handed to the gateway in a CSV file)."""

    person = models.ForeignKey("sampling.SampledPerson", on_delete=models.CASCADE, related_name="reminders")
    channel = models.CharField(_("channel"), max_length=8, choices=ReminderChannel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=ReminderStatus.choices, default=ReminderStatus.QUEUED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["person_id", "-created_at", "-id"]
        indexes = [models.Index(fields=["person", "created_at"], name="reminder_person_idx")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.channel} {self.status}"
