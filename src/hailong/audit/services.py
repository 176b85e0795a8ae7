from typing import Any

from django.db import models

from hailong.audit.models import AuditEvent


def client_ip(request) -> str | None:
    # Behind the reverse proxy of docs/deployment.md, REMOTE_ADDR is the proxy; the proxy sets
    # X-Real-IP. Never trust X-Forwarded-For chains blindly.
    if request is None:
        return None
    return request.META.get("HTTP_X_REAL_IP") or request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: str,
    actor=None,
    request=None,
    unit=None,
    target: models.Model | None = None,
    actor_username: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    if actor is None and request is not None and getattr(request, "user", None) is not None:
        actor = request.user if request.user.is_authenticated else None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_username=(actor.get_username() if actor is not None else actor_username)[:150],
        unit_path=unit.path if unit is not None else "/",
        unit_name=unit.name[:255] if unit is not None else "",
        target_type=target._meta.label if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:255] if target is not None else "",
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "") if request is not None else "")[:255],
        details=details or {},
    )
