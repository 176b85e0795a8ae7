from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from hailong.accounts import permissions
from hailong.accounts.roles import Perm
from hailong.audit.models import AuditAction
from hailong.audit.selectors import audit_events_for


@login_required
def audit_list(request):
    permissions.require(request.user, Perm.AUDIT_VIEW)
    action = request.GET.get("action", "")
    who = request.GET.get("user", "").strip()
    events = audit_events_for(user=request.user, action=action or None, username=who)
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/audit_list.html",
        {"page": page, "actions": AuditAction.choices, "action": action, "who": who},
    )
