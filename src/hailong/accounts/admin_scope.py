"""The Django admin, scoped like every other screen: lists and objects pass the one permission check."""

from hailong.accounts import permissions
from hailong.accounts.backends import object_unit


class ScopedAdminMixin:
    #: lookup from the model to its unit's path
    unit_path_field = "unit__path"
    view_perm: str = ""
    change_perm: str = ""

    def unit_of(self, obj):
        return object_unit(obj)

    def get_queryset(self, request):
        return permissions.scope(
            super().get_queryset(request), request.user, self.view_perm, path_field=self.unit_path_field
        )

    def has_view_permission(self, request, obj=None):
        return permissions.has_perm(request.user, self.view_perm, self.unit_of(obj))

    def has_change_permission(self, request, obj=None):
        return bool(self.change_perm) and permissions.has_perm(
            request.user, self.change_perm, self.unit_of(obj)
        )

    def has_add_permission(self, request):
        return bool(self.change_perm) and permissions.has_perm(request.user, self.change_perm)

    def has_delete_permission(self, request, obj=None):
        return False

    def has_module_permission(self, request):
        return permissions.has_perm(request.user, self.view_perm)
