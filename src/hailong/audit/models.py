from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    SIGN_IN = "sign_in", _("Signed in")
    SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
    SIGN_OUT = "sign_out", _("Signed out")
    LOCKED_OUT = "locked_out", _("Locked out after failed sign-ins")
    USER_CREATED = "user_created", _("User created")
    USER_UPDATED = "user_updated", _("User updated")
    USER_DEACTIVATED = "user_deactivated", _("User deactivated")
    ROLE_GRANTED = "role_granted", _("Role granted")
    ROLE_REVOKED = "role_revoked", _("Role revoked")
    UNIT_CREATED = "unit_created", _("Unit created")
    UNIT_UPDATED = "unit_updated", _("Unit updated")
    UNITS_IMPORTED = "units_imported", _("Units imported")
    REGISTRY_LOADED = "registry_loaded", _("Official registry loaded")
    PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Personal data exported")
    PERSONAL_DATA_VIEWED = "personal_data_viewed", _("Personal data viewed")
    PERSONAL_DATA_PURGED = "personal_data_purged", _("Personal data purged")
    SAMPLE_DRAWN = "sample_drawn", _("Sample drawn")
    RESPONSE_REVIEWED = "response_reviewed", _("Response reviewed")
    RESPONSES_REVIEWED = "responses_reviewed", _("Responses reviewed in a batch")
    QUALITY_SETTINGS_CHANGED = "quality_settings_changed", _("Quality-check settings changed")
    ESTIMATION_STARTED = "estimation_started", _("Estimation run started")
    RESULTS_EXPORTED = "results_exported", _("Results exported")
    RESULTS_PUBLISHED = "results_published", _("Results published")
    PUBLICATION_WITHDRAWN = "publication_withdrawn", _("Publication withdrawn")
    PAR_CRITERIA_IMPORTED = "par_criteria_imported", _("PAR criteria set imported")
    PAR_SUBMITTED = "par_submitted", _("PAR self-assessment submitted")
    PAR_EVIDENCE_UPLOADED = "par_evidence_uploaded", _("PAR evidence uploaded")
    PAR_SCORE_ADJUSTED = "par_score_adjusted", _("PAR score adjusted")
    PAR_PRELIMINARY_SENT = "par_preliminary_sent", _("PAR preliminary result sent")
    PAR_RESPONDED = "par_responded", _("Unit responded to the PAR preliminary result")
    PAR_FINALISED = "par_finalised", _("PAR result finalised")
    PAR_PUBLISHED = "par_published", _("PAR results published")


class AuditEvent(models.Model):
    """An append-only record of who did what, when, from where.

    ``unit_path`` (not a foreign key) places the event in the unit tree so the log is scoped like
    everything else and survives any change to units; "/" marks events that concern no unit.
    """

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text too: the log must still say who it was after an account is deleted.
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    unit_path = models.CharField(max_length=255, default="/", db_index=True)
    unit_name = models.CharField(_("unit"), max_length=255, blank=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_repr = models.CharField(_("object"), max_length=255, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_username} {self.get_action_display()}"
