"""Django's own permission hooks (the admin uses them) answered by the one permission check."""

from django.contrib.auth.backends import ModelBackend

from hailong.accounts import permissions
from hailong.accounts.roles import Perm

# Django model permission "<app>.<action>_<model>" → our permission, by app and action.
_ADMIN_PERMS: dict[tuple[str, str], str] = {
    ("units", "view"): Perm.UNITS_VIEW,
    ("units", "add"): Perm.UNITS_CHANGE,
    ("units", "change"): Perm.UNITS_CHANGE,
    ("accounts", "view"): Perm.ACCOUNTS_VIEW,
    ("accounts", "add"): Perm.ACCOUNTS_MANAGE,
    ("accounts", "change"): Perm.ACCOUNTS_MANAGE,
    ("accounts", "delete"): Perm.ACCOUNTS_MANAGE,
    ("audit", "view"): Perm.AUDIT_VIEW,
}


def translate(django_perm: str) -> str | None:
    app_label, _dot, codename = django_perm.partition(".")
    action = codename.split("_", 1)[0]
    return _ADMIN_PERMS.get((app_label, action))


def object_unit(obj):
    from hailong.units.models import Unit

    if obj is None or isinstance(obj, Unit):
        return obj
    return getattr(obj, "unit", None)


class ScopedRoleBackend(ModelBackend):
    """Password sign-in as usual; every permission question goes to ``permissions.has_perm``."""

    def has_perm(self, user_obj, perm, obj=None):
        if not user_obj.is_active:
            return False
        if user_obj.is_superuser:
            return True
        ours = translate(perm)
        if ours is None:
            return False
        return permissions.has_perm(user_obj, ours, object_unit(obj))

    def has_module_perms(self, user_obj, app_label):
        if user_obj.is_active and user_obj.is_superuser:
            return True
        return any(
            permissions.has_perm(user_obj, ours)
            for (app, _action), ours in _ADMIN_PERMS.items()
            if app == app_label
        )

    def get_all_permissions(self, user_obj, obj=None):
        return set()
