from django.db.models import QuerySet

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditEvent


def audit_events_for(*, user, action: str | None = None, username: str = "") -> QuerySet[AuditEvent]:
    """Events placed in units where the user may read the log; events about no unit ("/") only for
    those whose scope is everywhere."""
    qs = AuditEvent.objects.all()
    if permissions.grant_paths(user, Perm.AUDIT_VIEW) != permissions.EVERYWHERE:
        qs = permissions.scope(qs.exclude(unit_path="/"), user, Perm.AUDIT_VIEW, path_field="unit_path")
    if action:
        qs = qs.filter(action=action)
    if username:
        qs = qs.filter(actor_username__icontains=username)
    return qs
