from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hailong.accounts import permissions
from hailong.accounts.roles import Perm

# (url name, label, permission needed somewhere). Later modules add their own entries here.
NAVIGATION = [
    ("core:home", _("Overview"), None),
    ("units:list", _("Units"), Perm.UNITS_VIEW),
    ("campaigns:list", _("Campaigns"), Perm.SURVEYS_MANAGE),
    ("methodology:list", _("Questionnaires"), Perm.SURVEYS_MANAGE),
    ("sampling:home", _("Samples"), Perm.SURVEYS_MANAGE),
    ("collect:assignments", _("Collect"), Perm.RESPONSES_COLLECT),
    ("fieldwork:home", _("Fieldwork"), Perm.RESPONSES_COLLECT),
    ("indices:home", _("Estimation results"), Perm.RESULTS_VIEW),
    ("reports:home", _("Dashboards"), Perm.RESULTS_VIEW),
    ("quality:home", _("Quality review"), Perm.RESPONSES_VIEW),
    ("accounts:user_list", _("Users"), Perm.ACCOUNTS_VIEW),
    ("audit:list", _("Audit log"), Perm.AUDIT_VIEW),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"navigation": []}
    current = request.path
    items = []
    for url_name, label, perm in NAVIGATION:
        if perm is None or permissions.has_perm(user, perm):
            url = reverse(url_name)
            active = current == url if url == "/" else current.startswith(url)
            items.append({"url": url, "label": label, "active": active})
    return {"navigation": items}
